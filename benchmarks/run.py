"""`make bench`: measured, never asserted. Prints a table."""

from __future__ import annotations

import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"


def timed(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    from app import Dataset

    rows = []
    for label, folder in (("bundled demo", ROOT / "data"), ("Bone (real)", SHARED / "bone")):
        if folder.exists():
            seconds = timed(lambda f=folder: Dataset.open(f))
            rows.append((f"Dataset.open: {label}", f"{seconds:.3f} s"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak RSS of this run", f"{peak:.0f} MB"))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  result")
    print(f"{'-' * width}  ------")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
