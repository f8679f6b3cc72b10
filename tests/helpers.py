"""Small builders of test datasets in a temporary folder, and the service on a free port.

Importable from the tests and from ``benchmarks/`` (which put the repository root on
``sys.path``): ``from tests.helpers import serve``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd

ROOT = Path(__file__).resolve().parents[1]
UNGGULAN = [sys.executable, "-m", "unggulan.cli"]
#: the only address a test or benchmark server listens on
HOST = "127.0.0.1"


def grid_desa(
    n_kec: int = 2, per_kec: int = 3, *, system: str = "kemendagri", code_col: str = "kode",
    name_col: str = "nama", origin=(120.0, -5.0), size=0.01,
) -> gpd.GeoDataFrame:
    """A row of square desa, ``per_kec`` per kecamatan, with valid codes."""
    import geopandas as gpd
    from shapely.geometry import box

    rows = []
    i = 0
    for k in range(1, n_kec + 1):
        for d in range(1, per_kec + 1):
            x0 = origin[0] + i * size
            if system == "kemendagri":
                code = f"73.08.{k:02d}.{2000 + d}"
            else:
                code = f"7311{k * 10:03d}{d:03d}"
            rows.append({code_col: code, name_col: f"Desa {k}-{d}",
                         "geometry": box(x0, origin[1], x0 + size, origin[1] + size)})
            i += 1
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def make_dataset(folder: Path, desa: gpd.GeoDataFrame | None = None, sentra: str | None = None,
                 sentra_name: str = "sentra.csv") -> Path:
    (folder / "boundaries").mkdir(parents=True, exist_ok=True)
    desa = grid_desa() if desa is None else desa
    desa.to_file(folder / "boundaries" / "desa.gpkg", layer="desa", driver="GPKG")
    if sentra is not None:
        (folder / "sentra").mkdir(exist_ok=True)
        (folder / "sentra" / sentra_name).write_text(sentra, encoding="utf-8")
    return folder


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*UNGGULAN, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


# ---------------------------------------------------------------- a running service
class ServiceURL(str):
    """The base URL of a running service (``http://127.0.0.1:PORT``), with the process id
    of its main process as ``pid`` (uvicorn's supervisor when there are several workers)."""

    pid: int

    def __new__(cls, url: str, pid: int) -> ServiceURL:
        obj = super().__new__(cls, url)
        obj.pid = pid
        return obj


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _tail(err: IO[bytes], chars: int = 2000) -> str:
    err.flush()
    err.seek(0)
    return err.read().decode(errors="replace")[-chars:]


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM to the service's whole process group (the uvicorn workers too), SIGKILL to it
    after ``grace`` seconds."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextmanager
def serve(folder: Path | str, *, env: Mapping[str, str | None] | None = None,
          workers: int = 1, timeout: float = 120.0, extra_args: Sequence[str] = (),
          log_level: str | None = None, uvicorn: bool = False) -> Iterator[ServiceURL]:
    """The HTTP service on a free port of 127.0.0.1 serving ``folder``, for the block's
    duration.

    Starts ``unggulan serve`` (``python -m unggulan.cli serve``: the dataset is opened first,
    75 s keep-alive) or, with ``uvicorn=True``, ``python -m uvicorn
    unggulan.api.main:create_app --factory`` (uvicorn's own settings, e.g. its 5 s keep-alive),
    in a new session and process group, with the environment of this process, updated by
    ``env`` (a value of None removes that variable), and ``UNGGULAN_DATA=folder``. It waits
    until ``/health`` answers 200, yields the base URL and, on leaving the block, stops the
    whole process group (SIGTERM, SIGKILL after 10 s).

    Parameters
    ----------
    folder
        The dataset folder.
    env
        Extra environment variables, e.g. ``{"UNGGULAN_RATE_LIMIT_PER_MINUTE": "0"}``.
    workers
        uvicorn worker processes (``--workers``).
    timeout
        Seconds to wait for ``/health``.
    extra_args
        Further command-line arguments, e.g. ``("--timeout-keep-alive", "30")`` (those of
        uvicorn only with ``uvicorn=True``).
    log_level
        uvicorn's log level: ``UNGGULAN_LOG_LEVEL`` for ``unggulan serve``, ``--log-level``
        for uvicorn itself; None keeps the default.
    uvicorn
        Run uvicorn itself rather than ``unggulan serve``.

    Yields
    ------
    ServiceURL
        ``http://127.0.0.1:PORT`` (a ``str``), its ``pid`` the main process's id.

    Raises
    ------
    RuntimeError
        When the service exits before it answers, or does not answer within ``timeout``;
        the message ends with the last 2,000 characters of its standard error.

    Examples
    --------
    >>> with serve("data", env={"UNGGULAN_RATE_LIMIT_PER_MINUTE": "0"}) as base:  # doctest: +SKIP
    ...     httpx.get(f"{base}/health").status_code
    200
    """
    import httpx

    port = free_port()
    base = f"http://{HOST}:{port}"
    if uvicorn:
        cmd = [sys.executable, "-m", "uvicorn", "unggulan.api.main:create_app", "--factory"]
    else:
        cmd = [*UNGGULAN, "serve"]
    cmd += ["--host", HOST, "--port", str(port), "--workers", str(workers)]
    full_env = dict(os.environ)
    # test services answer at once; preparing every level first is tested on its own
    full_env.setdefault("UNGGULAN_PREPARE_ON_START", "0")
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = str(value)
    full_env["UNGGULAN_DATA"] = str(folder)
    if log_level is not None:
        if uvicorn:
            cmd += ["--log-level", log_level]
        else:
            full_env["UNGGULAN_LOG_LEVEL"] = log_level
    cmd += list(extra_args)
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL,
                                stderr=err, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"service on {base} exited with {proc.returncode} "
                                       f"before answering: {_tail(err)}")
                with suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"service on {base} did not answer within {timeout:g} "
                                       f"s: {_tail(err)}")
                time.sleep(0.3)
            yield ServiceURL(base, proc.pid)
        finally:
            _stop(proc)


#: Debian's Chromium, driven by Playwright (the ``browser`` fixture of tests/conftest.py)
CHROMIUM = os.environ.get("UNGGULAN_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
