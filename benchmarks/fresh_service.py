"""A fresh `unggulan serve` over a dataset (issue #34): seconds from process start until the
first desa vector tile with features and the first desa's candidates answer.

Run twice over one private cache folder, the first start has never seen the dataset (cold
disk cache), the second has (warm). Polls 127.0.0.1 only. Also a command::

    .venv/bin/python benchmarks/fresh_service.py benchmarks/out/national

prints both starts (and keeps the service's log lines, which say what is prepared and how
long it took, in ``log``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def first_area(folder: Path, level: str = "desa") -> tuple[str, float, float]:
    """The code and a point inside the first area of the level's layer (read with pyogrio:
    one feature, not the dataset; the code from a column named code or kode, as the
    synthetic national layer has it)."""
    import pyogrio
    import shapely

    path = next(p for p in sorted((folder / "boundaries").iterdir()) if p.stem == level)
    df = pyogrio.read_dataframe(path, max_features=1)
    code_col = next(c for c in df.columns if c.lower() in ("code", "kode", "kode_desa"))
    p = shapely.point_on_surface(df.geometry.iloc[0])
    return str(df[code_col].iloc[0]), p.x, p.y


def fresh_start(folder: Path, cache: Path, *, timeout: float = 1800.0, z: int = 10,
                extra_env: dict | None = None) -> dict:
    """Start ``unggulan serve --data folder`` (``python -m unggulan.cli``) with
    ``UNGGULAN_CACHE_DIR=cache``; poll until the z ``z`` desa tile holding the first desa
    answers 200 with features and the first desa's candidates answer 200. Returns seconds
    from start: ``tile``, ``candidates``, ``health`` (first answer of /health), and the
    service's ``log`` (its standard error). ``extra_env``: further environment variables
    (e.g. ``PYTHONPATH`` to a frozen copy of the code: results on disk are keyed by the
    code too, so a tree being edited meanwhile would never start warm)."""
    import httpx

    from unggulan.maps.tiles import tile_of

    code, lon, lat = first_area(folder)
    x, y = tile_of(lon, lat, z)
    port = _free_port()
    base = f"http://{HOST}:{port}"
    env = dict(os.environ, UNGGULAN_CACHE_DIR=str(cache), UNGGULAN_RATE_LIMIT_PER_MINUTE="0",
               **(extra_env or {}))
    env.pop("UNGGULAN_NO_CACHE", None)
    env.pop("UNGGULAN_PREPARE_ON_START", None)  # `unggulan serve`'s default
    cmd = [sys.executable, "-m", "unggulan.cli", "serve", "--data", str(folder),
           "--host", HOST, "--port", str(port)]
    out: dict = {"code": code, "tile_zxy": (z, x, y)}
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=err, stderr=err,
                                start_new_session=True)
        try:
            with httpx.Client(timeout=600) as client:
                while "tile" not in out or "candidates" not in out:
                    if proc.poll() is not None:
                        err.seek(0)
                        raise RuntimeError(f"service exited ({proc.returncode}): "
                                           f"{err.read()[-2000:].decode(errors='replace')}")
                    if time.perf_counter() - t0 > timeout:
                        raise RuntimeError(f"no answer within {timeout:g} s")
                    try:
                        if "health" not in out:
                            client.get(f"{base}/health").raise_for_status()
                            out["health"] = time.perf_counter() - t0
                        if "tile" not in out:
                            r = client.get(f"{base}/tiles/desa/{z}/{x}/{y}.mvt")
                            if r.status_code == 200 and len(r.content) > 0:
                                out["tile"] = time.perf_counter() - t0
                                out["tile_bytes"] = len(r.content)
                        if "candidates" not in out:
                            r = client.get(f"{base}/api/v1/areas/{code}/candidates",
                                           params={"level": "desa"})
                            if r.status_code == 404:
                                raise RuntimeError(f"no desa {code}: {r.text[:300]}")
                            if r.status_code == 200 and r.json()["candidates"]:
                                out["candidates"] = time.perf_counter() - t0
                    except httpx.TransportError:
                        time.sleep(0.1)  # not listening yet
            out["peak_mb"] = _peak_mb(proc.pid)
        finally:
            _stop(proc)
            err.seek(0)
            out["log"] = err.read().decode(errors="replace")
    return out


def _peak_mb(pid: int) -> float:
    """Peak resident memory (MiB) of the service's process (VmHWM), NaN when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the service's process group (its own session), SIGKILL after 10 s."""
    import signal

    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def cold_and_warm(folder: Path, timeout: float = 1800.0, extra_env: dict | None = None
                  ) -> dict:
    """Two fresh starts over one new cache folder: ``cold`` (never seen), then ``warm``."""
    with tempfile.TemporaryDirectory(prefix="unggulan-fresh-") as cache:
        cold = fresh_start(folder, Path(cache), timeout=timeout, extra_env=extra_env)
        warm = fresh_start(folder, Path(cache), timeout=timeout, extra_env=extra_env)
    return {"cold": cold, "warm": warm}


def main() -> None:
    """``fresh_service.py [FOLDER] [--cache DIR] [--warm-only] [--code DIR]``: ``--code``
    runs a frozen copy of the code (DIR/unggulan) through PYTHONPATH."""
    args = sys.argv[1:]

    def option(name):
        if name in args:
            i = args.index(name)
            value = args[i + 1]
            del args[i:i + 2]
            return value
        return None

    code, cache = option("--code"), option("--cache")
    warm_only = "--warm-only" in args
    args = [a for a in args if a != "--warm-only"]
    folder = Path(args[0]) if args else ROOT / "benchmarks" / "out" / "national"
    env = {"PYTHONPATH": code} if code else None
    if cache:
        res = {} if warm_only else {"cold": fresh_start(folder, Path(cache), extra_env=env)}
        res["warm"] = fresh_start(folder, Path(cache), extra_env=env)
    else:
        res = cold_and_warm(folder, extra_env=env)
    for name, r in res.items():
        print(f"{name}: /health {r.get('health', float('nan')):.1f} s, first z{r['tile_zxy'][0]} "
              f"desa tile {r['tile']:.1f} s ({r['tile_bytes']} bytes), first candidates "
              f"{r['candidates']:.1f} s, peak {r['peak_mb']:.0f} MiB")
        print("  log:\n    " + "\n    ".join(r["log"].strip().splitlines()[-20:]))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
