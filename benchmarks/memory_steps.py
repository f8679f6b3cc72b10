"""Where the candidates' memory goes, step by step (#34).

    .venv/bin/python benchmarks/memory_steps.py FOLDER [LEVEL] [--workers N]

Opens the dataset in FOLDER (e.g. ``benchmarks/out/national_100k_code_stats``, which
``benchmarks/run.py`` builds), computes the suitability, then the candidates, with the RSS
sampled every 10 ms; each wrapped step prints its RSS on entry, its peak and its RSS on exit
(MiB) and its time, nested steps indented. The peaks are what a change must lower; RSS on exit
can include freed memory the allocator keeps. One process by default (the steps run here).
"""

from __future__ import annotations

import functools
import os
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MB = 1 << 20
STEPS = {
    "unggulan.core.ranking.candidates": (
        "activity_inputs", "local_production", "eligible_pairs", "align_activity",
        "score_and_neighbourhood", "add_components", "add_local", "compact", "_proposed",
        "scores_of", "contenders", "rank_order", "shared_ranks", "reasons"),
    "unggulan.core.activity.clusters": ("cluster_columns", "_neighbourhood_at", "_gi_at"),
    "unggulan.core.activity.regions": ("evidence_for_level",),
}


PAGE = os.sysconf("SC_PAGE_SIZE")


class Sampler:
    """The process's largest RSS since :meth:`reset`, sampled in a thread (Linux:
    ``/proc/self/statm``)."""

    def __init__(self, every: float = 0.01):
        self.peak, self.every = 0, every
        threading.Thread(target=self._run, daemon=True).start()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * PAGE

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, self.rss())
            time.sleep(self.every)

    def reset(self) -> int:
        before, self.peak = self.peak, self.rss()
        return before


def wrap(module, name: str, sampler: Sampler, depth: list[int]) -> None:
    fn = getattr(module, name)

    @functools.wraps(fn)
    def step(*args, **kwargs):
        r0, t0 = sampler.rss(), time.perf_counter()
        outer = sampler.reset()
        depth[0] += 1
        try:
            return fn(*args, **kwargs)
        finally:
            depth[0] -= 1
            print(f"{'  ' * depth[0]}{name}: in {r0 / MB:.0f} peak {sampler.peak / MB:.0f} "
                  f"out {sampler.rss() / MB:.0f} MiB, {time.perf_counter() - t0:.1f} s",
                  flush=True)
            sampler.peak = max(sampler.peak, outer)

    setattr(module, name, step)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    workers = sys.argv[sys.argv.index("--workers") + 1] if "--workers" in sys.argv else "1"
    if not args:
        sys.exit(__doc__)
    folder, level = args[0], (args[1] if len(args) > 1 else "desa")
    os.environ["UNGGULAN_NO_CACHE"] = "1"
    os.environ["UNGGULAN_WORKERS"] = workers
    import importlib

    sampler, depth = Sampler(), [0]
    for mod, names in STEPS.items():
        m = importlib.import_module(mod)
        for n in names:
            wrap(m, n, sampler, depth)
    # (candidates imported evidence_for_level by name: point it at the wrapped one)
    cand = importlib.import_module("unggulan.core.ranking.candidates")
    cand.evidence_for_level = importlib.import_module(
        "unggulan.core.activity.regions").evidence_for_level
    from unggulan import Dataset

    ds = Dataset.open(folder)
    print(f"opened: {sampler.rss() / MB:.0f} MiB", flush=True)
    for what, run in (("suitability", lambda: ds.suitability(level, explain=False)),
                      ("candidates", lambda: ds.candidates(level))):
        sampler.reset()
        t0 = time.perf_counter()
        run()
        print(f"{what}: peak {sampler.peak / MB:.0f} MiB, {time.perf_counter() - t0:.1f} s; "
              f"ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
              flush=True)


if __name__ == "__main__":
    main()
