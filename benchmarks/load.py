"""A bounded load test of the HTTP service: many clients at once, every answer checked.

It starts the service itself on 127.0.0.1 (``unggulan serve``, one uvicorn worker or
``--workers N``, Kabupaten Bone, rate limit off, a temporary disk cache), makes every distinct
request of the mix once alone on every worker (the warm-up: each worker's caches fill, the
lone answers are recorded; workers answering differently count as differing), then sends up
to 10,000 requests drawn from the mix from 50 concurrent clients (asyncio, one
``httpx.AsyncClient`` with a 50-connection pool) and stops after 10,000 requests or 300 s,
whichever comes first. It prints a table (rich) with requests, errors, answers that differ
from the lone answer, p50/p99 latency and requests/s per kind, and returns the rows. Never part
of the test suite; ``make bench`` runs it (with 1 and with 2 workers) through
``benchmarks/run.py``, or alone::

    .venv/bin/python benchmarks/load.py [--requests 10000] [--clients 50] [--seconds 300]
        [--workers 1] [--keep-alive S] [--client-keep-alive S]

Its exit status is 1 when a request failed or an answer differed from the lone answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import random
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
HOST = "127.0.0.1"  # never anything else: the load stays on this machine

#: the weightings the candidates are asked with: the defaults and five that rank differently
WEIGHTS = [None, "suitability=0.5,specialisation=0.5", "suitability=1",
           "specialisation=0.6,market=0.4", "suitability=0.4,scale=0.3,trend=0.3",
           "cluster=0.5,uniqueness=0.5"]
#: share of the requests of each kind (area detail is rare: it costs about a second)
MIX = {
    "candidates": 0.18,
    "area candidates": 0.25,
    "areas": 0.14,
    "area detail": 0.002,
    "OGC pages": 0.20,
    "map data": 0.08,
    "statistics": 0.05,
    "exports": 0.068,
}


@dataclass(frozen=True)
class Req:
    """One distinct request: its kind (a row of the table), method, path and query."""

    kind: str
    path: str
    params: tuple = ()
    method: str = "GET"

    def label(self) -> str:
        q = "&".join(f"{k}={v}" for k, v in self.params)
        return f"{self.method} {self.path}" + (f"?{q}" if q else "")


@dataclass
class Tally:
    """Latencies and failures of one kind."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    mismatches: int = 0
    examples: list[str] = field(default_factory=list)

    def fail(self, what: str) -> None:
        if len(self.examples) < 3:
            self.examples.append(what)


# ---------------------------------------------------------------- the mix
def distinct_requests(desa: list[str], kecamatan: list[str]) -> dict[str, list[Req]]:
    """Every distinct request of the mix, by kind."""
    def wq(w: str | None) -> tuple:
        return (("weights", w),) if w else ()

    out: dict[str, list[Req]] = {k: [] for k in MIX}
    for w in WEIGHTS:
        out["candidates"].append(Req("candidates", "/api/v1/candidates",
                                     (("level", "kecamatan"),) + wq(w)))
    for w in WEIGHTS[:3]:
        for off in (0, 300, 600, 900):
            extra = (("stability", "false"),) if w else ()
            out["candidates"].append(Req("candidates", "/api/v1/candidates", (
                ("level", "desa"), ("limit", "100"), ("offset", str(off))) + wq(w) + extra))
    for i, code in enumerate(desa[:30]):
        for w in WEIGHTS:
            out["area candidates"].append(Req("area candidates", f"/api/v1/areas/{code}/"
                                              "candidates", (("level", "desa"),) + wq(w)))
        if i < 6:
            out["area candidates"].append(Req("area candidates", f"/api/v1/areas/{code}/"
                                              "candidates", (("level", "desa"), ("top", "5"))))
    for off in range(0, 372, 50):
        out["areas"].append(Req("areas", "/api/v1/areas", (("level", "desa"), ("limit", "50"),
                                                           ("offset", str(off)))))
    for k in kecamatan[:8]:
        out["areas"].append(Req("areas", "/api/v1/areas", (("level", "desa"), ("parent", k))))
    for q in ("bonto", "tana", "watang", "ulu"):
        out["areas"].append(Req("areas", "/api/v1/areas", (("q", q),)))
    out["areas"].append(Req("areas", "/api/v1/areas", (("level", "kecamatan"),
                                                       ("geometry", "true"))))
    out["areas"].append(Req("areas", "/api/v1/areas", (("bbox", "119.9,-5.0,120.3,-4.6"),)))
    for k in kecamatan[:3]:
        out["area detail"].append(Req("area detail", f"/api/v1/areas/{k}",
                                      (("level", "kecamatan"),)))
    for off in (0, 100, 200, 300):
        out["OGC pages"].append(Req("OGC pages", "/ogc/collections/desa/items",
                                    (("limit", "100"), ("offset", str(off)))))
    for off in (0, 50, 100):
        out["OGC pages"].append(Req("OGC pages", "/ogc/collections/candidates_desa/items",
                                    (("limit", "50"), ("offset", str(off)))))
        out["OGC pages"].append(Req("OGC pages", "/ogc/collections/sentra/items",
                                    (("limit", "50"), ("offset", str(off)))))
    out["OGC pages"] += [
        Req("OGC pages", "/ogc/collections/kecamatan/items", (("limit", "27"),)),
        Req("OGC pages", "/ogc/collections/candidates_kecamatan/items", (("limit", "10"),)),
        Req("OGC pages", "/ogc/collections/desa/items", (("bbox", "119.9,-5.0,120.3,-4.6"),
                                                         ("limit", "50"))),
        Req("OGC pages", "/ogc/collections"),
    ]
    for level in ("desa", "kecamatan"):
        for w in WEIGHTS[:3]:
            out["map data"].append(Req("map data", f"/peta/data/{level}.geojson", wq(w)))
    out["map data"].append(Req("map data", "/peta/data/desa.geojson",
                               (("commodity", "kakao"), ("view", "score"))))
    out["statistics"] += [
        Req("statistics", "/api/v1/statistics", (("limit", "100"),)),
        Req("statistics", "/api/v1/statistics", (("measure", "production"), ("limit", "200"),
                                                 ("offset", "100"))),
        Req("statistics", "/api/v1/statistics", (("commodity", "kakao"),)),
    ] + [Req("statistics", "/api/v1/statistics", (("area", c),)) for c in desa[:4]]
    for fmt in ("csv", "gpkg", "geojson", "parquet", "shp"):
        out["exports"].append(Req("exports", "/api/v1/export", (
            ("level", "kecamatan"), ("layer", "candidates"), ("format", fmt))))
    out["exports"] += [
        Req("exports", "/api/v1/export", (("level", "kecamatan"), ("layer", "areas"),
                                          ("format", "gpkg"))),
        Req("exports", "/api/v1/export", (("layer", "sentra"), ("format", "csv"))),
        Req("exports", "/api/v1/export", (("level", "desa"), ("layer", "candidates"),
                                          ("format", "geojson"), ("area", kecamatan[0]))),
        Req("exports", "/api/v1/export", (("level", "desa"), ("layer", "candidates"),
                                          ("format", "csv"),
                                          ("weights", "suitability=0.5,specialisation=0.5"))),
    ]
    return out


def plan(by_kind: dict[str, list[Req]], n: int, seed: int = 1) -> list[Req]:
    """``n`` requests drawn from the mix: a kind by its share, then one of its requests."""
    rng = random.Random(seed)
    kinds = [k for k in MIX if by_kind.get(k)]
    shares = [MIX[k] for k in kinds]
    return [rng.choice(by_kind[k]) for k in rng.choices(kinds, weights=shares, k=n)]


# ---------------------------------------------------------------- the service
def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its live descendants (Linux /proc; the
    worker processes of ``--workers N``), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, ValueError, IndexError):
        return None
    return own + sum(_cpu_seconds(int(c)) or 0.0 for c in children)


@contextmanager
def service(folder: Path, timeout: float = 180.0, keep_alive: float | None = None,
            workers: int = 1):
    """``unggulan serve`` on 127.0.0.1 (``workers`` uvicorn workers) serving ``folder``, rate limit
    off, log level warning, its disk cache (coverage, results) in a temporary folder so that
    every run starts alike; yields the base URL, whose ``pid`` is the server's main process
    (:func:`tests.helpers.serve`). With ``keep_alive``, uvicorn itself with that
    ``--timeout-keep-alive`` instead (seconds an idle connection stays open; uvicorn's default
    is 5)."""
    from tests.helpers import serve

    extra = ("--timeout-keep-alive", f"{keep_alive:g}") if keep_alive else ()
    with tempfile.TemporaryDirectory() as cache, serve(
            folder, env={"UNGGULAN_CACHE_DIR": cache, "UNGGULAN_RATE_LIMIT_PER_MINUTE": "0"},
            workers=workers, timeout=timeout, uvicorn=bool(keep_alive), log_level="warning",
            extra_args=extra) as base:
        yield base


# ---------------------------------------------------------------- the load
def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc; empty elsewhere)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _socket_owner(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """Which of ``pids`` holds the server's end of the connection from ``client_port`` to
    ``server_port`` on 127.0.0.1 (Linux /proc: the socket's inode among the processes' open
    files), or None."""
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    inode = None
    try:
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            f = line.split()
            if f[1] == local and f[2] == remote:
                inode = f[9]
                break
    except OSError:
        return None
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == target:
                    return pid
            except OSError:
                continue
    return None


def _client_port(response) -> int | None:
    stream = response.extensions.get("network_stream")
    try:
        return stream.get_extra_info("client_addr")[1] if stream is not None else None
    except (OSError, TypeError, IndexError):
        return None


def warm_up(base, reqs: list[Req], workers: int = 1, patience: float = 180.0
            ) -> tuple[dict[Req, str], float, dict[str, list[str]]]:
    """Each distinct request once, alone, one after the other, on every worker process: the
    digest of the first worker's answer (its status must be 200), the seconds it all took, and
    per kind the requests another worker answered differently.

    With ``--workers N`` a new connection goes to whichever worker accepts it first, and an
    idle worker accepts every waiting connection at once, so that the warm-up of one
    connection would fill the caches of one worker only. Each worker gets its own kept-alive
    connection instead (Linux /proc tells which process holds the server's end): the first
    connection's worker starts at once; while it is busy, new connections are opened until
    the other workers have accepted one each (for at most ``patience`` seconds; a worker not
    reached is reported on standard error), and each runs the whole list side by side."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    def one_worker(c: httpx.Client) -> dict[Req, str]:
        out = {}
        try:
            for rq in reqs:
                r = c.request(rq.method, rq.path, params=dict(rq.params))
                if r.status_code != 200:
                    raise RuntimeError(f"warm-up: {rq.label()} answered {r.status_code}: "
                                       f"{r.text[:300]}")
                out[rq] = _digest(r.content)
        finally:
            c.close()
        return out

    def connect() -> tuple[httpx.Client, int | None]:
        c = httpx.Client(base_url=base, timeout=600, limits=httpx.Limits(max_connections=1))
        if workers <= 1:
            c.get("/health")
            return c, base.pid
        cport = _client_port(c.get("/health"))
        return c, _socket_owner(int(base.rsplit(":", 1)[1]), cport,
                                _children(base.pid)) if cport else None

    t0 = time.perf_counter()
    deadline = time.monotonic() + patience
    with ThreadPoolExecutor(workers + 4) as ex:
        running = {}
        while len(running) < workers and time.monotonic() < deadline:
            for c, owner in ex.map(lambda _: connect(), range(4 if running else 1)):
                if owner is not None and owner not in running and len(running) < workers:
                    running[owner] = ex.submit(one_worker, c)
                else:
                    c.close()
            if len(running) < workers:
                time.sleep(0.1)
        if len(running) < workers:
            print(f"warm-up: connections reached {len(running)} of {workers} workers in "
                  f"{patience:g} s; the others start cold", file=sys.stderr)
        answers = [f.result() for f in running.values()]
    lone = answers[0]
    differ: dict[str, list[str]] = {}
    for other in answers[1:]:
        for rq in reqs:
            if other[rq] != lone[rq]:
                differ.setdefault(rq.kind, []).append(f"{rq.label()}: the workers' lone "
                                                      "answers differ")
    return lone, time.perf_counter() - t0, differ


async def _run(base: str, todo: list[Req], lone: dict[Req, str], clients: int,
               max_seconds: float, client_keep_alive: float = 5.0
               ) -> tuple[dict[str, Tally], float, int]:
    import httpx

    tallies = {k: Tally() for k in MIX}
    queue = iter(todo)
    deadline = time.monotonic() + max_seconds
    sent = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients,
                          keepalive_expiry=client_keep_alive)

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal sent
        for rq in queue:  # one shared iterator: each request of the plan is sent once
            if time.monotonic() > deadline:
                return
            sent += 1
            t = tallies[rq.kind]
            t0 = time.perf_counter()
            try:
                r = await http.request(rq.method, rq.path, params=dict(rq.params))
            except httpx.HTTPError as exc:
                t.errors += 1
                t.fail(f"{rq.label()}: {type(exc).__name__} {exc}")
                continue
            t.latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                t.errors += 1
                t.fail(f"{rq.label()}: HTTP {r.status_code} {r.text[:200]}")
            elif _digest(r.content) != lone[rq]:
                t.mismatches += 1
                t.fail(f"{rq.label()}: answer differs from the lone answer")

    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return tallies, time.perf_counter() - t0, sent


def _pct(sorted_values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) in milliseconds; NaN for no values."""
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[k] * 1000


def load(folder: Path | None = None, requests_total: int = 10_000, clients: int = 50,
         max_seconds: float = 300.0, seed: int = 1, quiet: bool = False,
         keep_alive: float | None = None, client_keep_alive: float = 5.0, workers: int = 1
         ) -> list[tuple[str, dict]]:
    """Run the load test; print its table and return its rows.

    Returns
    -------
    list of (label, dict)
        One row per kind and a last row "all": ``n`` (requests answered), ``rps``
        (answered per second of the loaded phase), ``p50`` and ``p99`` (ms), ``errors``
        (non-200 answers and failed requests), ``mismatches`` (answers not byte-identical to
        the same request's lone answer), ``distinct`` (distinct requests of the kind). The
        last row's dict also has ``wall_s``, ``warmup_s``, ``server_cpu_s``, ``loadavg``
        (before, after), ``clients``, ``workers``, ``planned`` and ``sent``.

    Examples
    --------
    >>> rows = load(requests_total=200, clients=10, max_seconds=60)  # doctest: +SKIP
    >>> rows[-1][1]["errors"], rows[-1][1]["mismatches"]  # doctest: +SKIP
    (0, 0)
    """
    import httpx

    folder = Path(folder) if folder is not None else SHARED / "bone"
    load_before = os.getloadavg()
    with service(folder, keep_alive=keep_alive, workers=workers) as base:
        assert base.startswith(f"http://{HOST}:")
        with httpx.Client(base_url=base, timeout=120) as c:
            desa = [a["code"] for a in c.get("/api/v1/areas", params={
                "level": "desa", "limit": 10_000}).json()["items"]]
            kec = [a["code"] for a in c.get("/api/v1/areas", params={
                "level": "kecamatan", "limit": 10_000}).json()["items"]]
        rng = random.Random(seed)
        by_kind = distinct_requests(rng.sample(desa, min(30, len(desa))), kec)
        distinct = [rq for reqs in by_kind.values() for rq in reqs]
        lone, warmup_s, differ = warm_up(base, distinct, workers)
        todo = plan(by_kind, requests_total, seed)
        cpu0 = _cpu_seconds(base.pid)
        tallies, wall, sent = asyncio.run(_run(base, todo, lone, clients, max_seconds,
                                               client_keep_alive))
        for kind, what in differ.items():  # workers answering differently differ as well
            tallies[kind].mismatches += len(what)
            for w in what:
                tallies[kind].fail(w)
        cpu1 = _cpu_seconds(base.pid)
    load_after = os.getloadavg()

    rows: list[tuple[str, dict]] = []
    every: list[float] = []
    for kind, t in tallies.items():
        lat = sorted(t.latencies)
        every += lat
        rows.append((kind, {"n": len(lat), "rps": len(lat) / wall, "p50": _pct(lat, 0.5),
                            "p99": _pct(lat, 0.99), "errors": t.errors,
                            "mismatches": t.mismatches, "distinct": len(by_kind[kind])}))
    every.sort()
    total = {
        "n": len(every), "rps": len(every) / wall, "p50": _pct(every, 0.5),
        "p99": _pct(every, 0.99), "errors": sum(t.errors for t in tallies.values()),
        "mismatches": sum(t.mismatches for t in tallies.values()), "distinct": len(distinct),
        "wall_s": wall, "warmup_s": warmup_s,
        "server_cpu_s": (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None,
        "loadavg": (load_before, load_after), "clients": clients, "planned": requests_total,
        "sent": sent, "workers": workers,
    }
    rows.append(("all", total))
    if not quiet:
        print_table(rows)
        for kind, t in tallies.items():
            for ex in t.examples:
                print(f"  {kind}: {ex}", file=sys.stderr)
    return rows


def print_table(rows: list[tuple[str, dict]]) -> None:
    """The rows as a rich table, with what the run was."""
    from rich.console import Console
    from rich.table import Table

    tot = rows[-1][1]
    title = (f"load on {HOST}, {tot['workers']} uvicorn worker(s), {tot['clients']} "
             "concurrent clients: "
             f"{tot['n']:,} of {tot['planned']:,} requests in {tot['wall_s']:.1f} s "
             f"(warm-up {tot['warmup_s']:.1f} s, {tot['distinct']} distinct requests alone)")
    table = Table(title=title, title_justify="left")
    for col in ("kind", "distinct", "requests", "req/s", "p50 ms", "p99 ms", "errors",
                "differ"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    for label, r in rows:
        table.add_row(label, str(r["distinct"]), f"{r['n']:,}", f"{r['rps']:.1f}",
                      f"{r['p50']:.1f}", f"{r['p99']:.1f}", str(r["errors"]),
                      str(r["mismatches"]), end_section=label == rows[-2][0])
    console = Console(width=None if sys.stdout.isatty() else 110)
    console.print(table)
    (b1, b5, _), (a1, a5, _) = tot["loadavg"]
    cpu = tot["server_cpu_s"]
    console.print(f"machine: {os.cpu_count()} cores, load average (1 min/5 min) "
                  f"{b1:.2f}/{b5:.2f} before, {a1:.2f}/{a5:.2f} after"
                  + (f"; server CPU {cpu:.1f} s in the loaded phase" if cpu is not None
                     else "")
                  + "; 'differ': answers not byte-identical to the lone answer")


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=SHARED / "bone")
    p.add_argument("--requests", type=int, default=10_000)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=300.0)
    p.add_argument("--keep-alive", type=float, default=None,
                   help="uvicorn --timeout-keep-alive (default: uvicorn's 5 s)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument("--client-keep-alive", type=float, default=5.0,
                   help="seconds the clients keep an idle connection (httpx's default: 5)")
    a = p.parse_args(argv)
    rows = load(a.data, a.requests, a.clients, a.seconds, keep_alive=a.keep_alive,
                client_keep_alive=a.client_keep_alive, workers=a.workers)
    tot = rows[-1][1]
    return 0 if tot["errors"] == 0 and tot["mismatches"] == 0 else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
