"""Atomic results: a writer killed midway (SIGKILL: no clean-up runs) leaves the previous file
intact, and a coverage cache killed midway, truncated or garbled is rebuilt, never a crash.

Each writer runs in a child process; the test polls until the child's temporary file is
growing beside the target, then kills it. The child's ``os.replace`` is held back (it sleeps
first), so the kill always lands before the rename however fast the machine: a writer that
wrote into the target itself would be caught, because the target changes before any rename.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[2]
HOLD_RENAME = """
import os, time
_replace = os.replace
def _slow_replace(*a, **k):
    time.sleep(120)
    return _replace(*a, **k)
os.replace = _slow_replace
"""


def _run_and_kill(script: str, folder: Path, pattern: str, min_bytes: int,
                  timeout: float = 60.0) -> tuple[Path, int]:
    """Start ``script``; when a file matching ``pattern`` in ``folder`` holds ``min_bytes``,
    SIGKILL the child. Returns that temporary file and its size at the kill."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_RENAME + textwrap.dedent(script)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"the writer ended by itself ({proc.returncode}): "
                                     f"{proc.stderr.read().decode()[-2000:]}")
            for tmp in folder.glob(pattern):
                try:
                    size = tmp.stat().st_size
                except FileNotFoundError:  # GDAL recreates its file; look again
                    continue
                if size >= min_bytes:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(timeout=30)
                    assert proc.returncode == -signal.SIGKILL
                    return tmp, size
            time.sleep(0.005)
        raise AssertionError(f"no temporary file {pattern} in {folder} within {timeout} s")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        proc.stderr.close()


def _points(n: int, seed: int):
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(
        {"code": [f"73.08.{i:06d}" for i in range(n)], "name": [f"desa {i}" for i in range(n)],
         "score": rng.random(n)},
        geometry=gpd.points_from_xy(119.5 + rng.random(n), -4.5 + rng.random(n)), crs=4326)


@pytest.mark.parametrize("suffix, min_bytes", [(".csv", 1 << 20), (".gpkg", 1 << 20)])
def test_a_killed_export_leaves_the_previous_file_intact(tmp_path, suffix, min_bytes):
    from unggulan.io.exports import write_layer

    target = tmp_path / f"kandidat{suffix}"
    write_layer(_points(50, seed=1), target)  # the previous export
    before = target.read_bytes()
    tmp, size = _run_and_kill(f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from tests.io.test_atomic_kill import _points
        from unggulan.io.exports import write_layer
        write_layer(_points(400_000, seed=2), Path({str(target)!r}))
        """, tmp_path, f".kandidat-*{suffix}*", min_bytes)
    # killed while its temporary file beside the target was being written
    assert size >= min_bytes and tmp.parent == target.parent and tmp.name.startswith(".")
    assert target.read_bytes() == before  # same bytes
    if suffix == ".csv":
        assert len(pd.read_csv(target)) == 50  # and readable
    else:
        import pyogrio

        assert len(pyogrio.read_dataframe(target)) == 50
    # the leftover does not stop the next export, which replaces the file
    write_layer(_points(70, seed=3), target)
    assert target.read_bytes() != before
    if suffix == ".csv":
        assert len(pd.read_csv(target)) == 70


def _squares(n_side: int, size: float, x0: float = 500_000.0, y0: float = 9_500_000.0):
    import geopandas as gpd

    boxes = [shapely.box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size, y0 + (j + 1) * size)
             for i in range(n_side) for j in range(n_side)]
    # a little off the grid lines, so cells are partly covered
    return gpd.GeoSeries(boxes, crs=32750).translate(3.7, -2.1)


def _grid(width: int, cell: float = 10.0):
    from pyproj import CRS

    from unggulan.core.land.zonal import Grid

    return Grid(CRS.from_epsg(32750).to_wkt(),
                (cell, 0.0, 500_000.0, 0.0, -cell, 9_500_000.0 + width * cell), width, width)


def _same(a, b) -> None:
    np.testing.assert_array_equal(a.offsets, b.offsets)
    np.testing.assert_array_equal(a.cells, b.cells)
    np.testing.assert_allclose(a.weights, b.weights)


def test_a_killed_cache_write_keeps_the_other_entries_and_is_rebuilt(tmp_path):
    from unggulan.core.land.zonal import compute_coverage, read_coverage_cache

    cache = tmp_path / "cache"
    grid = _grid(600)  # 6 km x 6 km at 10 m: 360,000 cells
    small = _squares(4, 2000.0)
    compute_coverage(small, grid, cache_dir=cache)  # a previous entry
    (previous,) = cache.glob("cov-*.npz")
    previous_bytes = previous.read_bytes()
    big = _squares(12, 500.0)  # 144 squares covering the grid: ~0.37 M cells, a 6 MB file
    tmp, _ = _run_and_kill(f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from tests.io.test_atomic_kill import _grid, _squares
        from unggulan.core.land.zonal import compute_coverage
        compute_coverage(_squares(12, 500.0), _grid(600), cache_dir=Path({str(cache)!r}))
        """, cache, ".cov-*.tmp", 1 << 20)
    assert previous.read_bytes() == previous_bytes  # the other entry is untouched
    assert read_coverage_cache(previous, grid, len(small)) is not None
    assert sorted(cache.glob("cov-*.npz")) == [previous]  # no partial entry under its name
    fresh = compute_coverage(big, grid)  # no cache
    rebuilt = compute_coverage(big, grid, cache_dir=cache)  # computed again, and stored
    _same(rebuilt, fresh)
    (entry,) = set(cache.glob("cov-*.npz")) - {previous}
    _same(read_coverage_cache(entry, grid, len(big)), fresh)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "wrong arrays"])
def test_a_damaged_cache_file_is_rebuilt(tmp_path, damage, caplog):
    from unggulan.core.land.zonal import compute_coverage

    grid = _grid(200)
    geoms = _squares(5, 300.0)
    fresh = compute_coverage(geoms, grid)
    compute_coverage(geoms, grid, cache_dir=tmp_path)
    (entry,) = tmp_path.glob("cov-*.npz")
    good = entry.read_bytes()
    if damage == "truncated":  # what a non-atomic writer killed midway leaves
        entry.write_bytes(good[: len(good) // 2])
    elif damage == "garbage":
        entry.write_bytes(os.urandom(4096))
    elif damage == "empty":
        entry.write_bytes(b"")
    else:  # a readable .npz that does not fit these areas (another version, another grid)
        with entry.open("wb") as fh:
            np.savez(fh, offsets=np.array([0, 5]), cells=np.arange(5), weights=np.ones(5))
    with caplog.at_level("WARNING", logger="unggulan.core.land.zonal"):
        again = compute_coverage(geoms, grid, cache_dir=tmp_path)
    _same(again, fresh)
    assert "computing it again" in caplog.text
    assert entry.read_bytes() == good  # stored again, whole


def test_the_atomic_writer_flushes_before_renaming(tmp_path, monkeypatch):
    """fsync of the temporary file, then the rename, then fsync of the folder."""
    if not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc to name file descriptors")
    from unggulan.io import exports

    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", str(src)))
        return real_replace(src, dst)

    monkeypatch.setattr(exports.os, "fsync", fsync)
    monkeypatch.setattr(exports.os, "replace", replace)
    target = tmp_path / "kandidat.csv"
    exports.write_layer(_points(10, seed=4), target)
    kinds = [k for k, _ in events]
    assert kinds == ["fsync", "replace", "fsync"], events
    tmp = events[1][1]
    assert events[0][1] == tmp and Path(tmp).parent == tmp_path  # the temporary file itself
    assert events[2][1] == str(tmp_path)  # then the folder holding the rename
    assert not Path(tmp).exists() and len(pd.read_csv(target)) == 10
