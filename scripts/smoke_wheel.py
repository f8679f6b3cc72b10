"""Build the wheel, install it into a fresh virtual environment outside the source tree, and
use it as a new user would (``make smoke``, run by ``make test`` after pytest).

1. the wheel is built (``pip wheel --no-deps``) from a copy of the files git knows (tracked or
   not ignored) plus the map assets ``make assets`` copied into app/maps/vendor, so it holds
   what a clean clone would build; every file of app/ and data/ must be in it, and its
   metadata must carry the version of ``unggulan.__version__`` and the licence;
2. a new virtual environment (no system site-packages) in a temporary folder gets the wheel
   and its dependencies with ``pip install --no-index`` from a wheelhouse kept outside the
   source tree (``~/.cache/unggulan-smoke/wheels``, or ``SMOKE_WHEELHOUSE``): pip fills it
   (``pip wheel``, from the configured indexes) the first time and whenever the dependencies
   change, so later runs install without the network;
3. there, outside the source tree and with no ``UNGGULAN_*`` variable: ``import unggulan``
   (the bundled dataset opens from the package), ``python -m unggulan --help``,
   ``unggulan --version``, ``unggulan validate`` (no --data), ``unggulan map`` (a standalone
   HTML file that must load no script or stylesheet from the network), and ``unggulan serve``
   on a free 127.0.0.1 port: GET /, Leaflet's script and an image of its stylesheet under
   /static/vendor and /api/v1/candidates with a bundled scenario; then the server is stopped.
   The installed package's bundled data must be left unchanged.

Prints the wheel's size and the time of each step. ``--build-only`` builds the wheel into
dist/ and stops (``make wheel``); ``--keep`` keeps the temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "README.md", "LICENSE", "app", "data"]
VENDOR_DIR = Path("app/maps/vendor")
# a <script src=...> or <link href=...> pointing off the machine
EXTERNAL_TAG = re.compile(
    r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*['\"]?(?:https?:)?//", re.IGNORECASE)
# any script or stylesheet address on the network, wherever it is written (e.g. a loader)
EXTERNAL_ASSET = re.compile(r"https?://[^\s'\"()<>]+\.(?:js|css)\b", re.IGNORECASE)


class SmokeError(Exception):
    pass


def step(title: str):
    print(f"-- {title}", flush=True)
    return time.perf_counter()


def done(t0: float, what: str = "") -> float:
    dt = time.perf_counter() - t0
    print(f"   ok{': ' + what if what else ''} ({dt:.1f} s)", flush=True)
    return dt


def run(cmd: list, *, env=None, cwd=None, timeout: float = 300, check: bool = True
        ) -> subprocess.CompletedProcess:
    p = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, capture_output=True,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise SmokeError(f"`{' '.join(map(str, cmd))}` exited {p.returncode}\n"
                         f"{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def source_files() -> list[Path]:
    """The files the wheel is built from: git's (tracked, or new and not ignored) below
    SOURCES, plus the vendored map assets (gitignored, made by ``make assets``)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
             *SOURCES], cwd=ROOT, capture_output=True, check=True).stdout
        files = [Path(f) for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: the folders as is
        files = [p.relative_to(ROOT) for s in SOURCES for p in
                 ([ROOT / s] if (ROOT / s).is_file() else (ROOT / s).rglob("*"))
                 if p.is_file() and "__pycache__" not in p.parts]
    files = [f for f in files if (ROOT / f).is_file() and VENDOR_DIR not in f.parents]
    vendor = ROOT / VENDOR_DIR
    if not (vendor / "NOTICE.md").is_file():
        raise SmokeError(f"{VENDOR_DIR} is missing: run `make assets` (copies Leaflet and its "
                         "plugins from web/node_modules into the package)")
    files += [p.relative_to(ROOT) for p in vendor.rglob("*") if p.is_file()]
    return sorted(set(files))


def source_version() -> str:
    text = (ROOT / "app" / "base" / "version.py").read_text(encoding="utf-8")
    m = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", text, re.MULTILINE)
    if not m:
        raise SmokeError("app/base/version.py has no __version__ = '...'")
    return m.group(1)


def build_wheel(tmp: Path, files: list[Path]) -> Path:
    src = tmp / "src"
    for f in files:
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, src / f)
    out = tmp / "wheel"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, src],
        timeout=300)
    wheels = sorted(out.glob("unggulan-*.whl"))
    if len(wheels) != 1:
        raise SmokeError(f"expected one wheel in {out}, found {wheels}")
    return wheels[0]


def check_wheel(wheel: Path, files: list[Path], version: str) -> None:
    """Every file of app/ (as unggulan/) and data/ (as unggulan/_data/) is in the wheel, the
    map pages' assets are, and the metadata has the version and the licence."""
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        meta = z.read(meta_name).decode() if meta_name else ""
    expected = {}
    for f in files:
        parts = f.parts
        if parts[0] == "app" and "__pycache__" not in parts:
            expected["/".join(("unggulan", *parts[1:]))] = f
        elif parts[0] == "data":
            expected["/".join(("unggulan", "_data", *parts[1:]))] = f
    missing = sorted(str(f) for n, f in expected.items() if n not in names)
    if missing:
        raise SmokeError(f"{len(missing)} source files are not in the wheel (pyproject.toml "
                         f"[tool.setuptools] packages / package-data): {', '.join(missing[:10])}")
    from unggulan.maps.assets import VENDOR  # the source tree's list (editable install)

    absent = [rel for rel in VENDOR.values()
              if rel and f"unggulan/maps/vendor/{rel}" not in names]
    if absent:
        raise SmokeError(f"map assets missing from the wheel: {', '.join(absent)}")
    fields = dict(line.split(": ", 1) for line in meta.splitlines() if ": " in line)
    if fields.get("Version") != version:
        raise SmokeError(f"wheel version {fields.get('Version')!r} != __version__ {version!r}")
    if not fields.get("License-Expression") or "License-File" not in fields:
        raise SmokeError("wheel metadata lacks License-Expression or License-File")


def wheelhouse() -> Path:
    env = os.environ.get("SMOKE_WHEELHOUSE")
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return Path(env) if env else base / "unggulan-smoke" / "wheels"


def install(py: Path, wheel: Path, env: dict) -> str:
    """pip install the wheel from the wheelhouse alone; when that cannot resolve (the first
    run, a dependency added), fill the wheelhouse with ``pip wheel`` and try again."""
    wh = wheelhouse()
    wh.mkdir(parents=True, exist_ok=True)
    cmd = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "--no-compile", "--no-index", "--find-links", wh, wheel]
    if run(cmd, env=env, timeout=900, check=False).returncode == 0:
        return f"dependencies from the wheelhouse {wh}"
    print(f"   filling the wheelhouse {wh} (pip wheel: downloads the dependencies)", flush=True)
    run([py, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "-w", wh, wheel],
        env=env, timeout=1800)
    for own in wh.glob("unggulan-*.whl"):
        own.unlink()
    run(cmd, env=env, timeout=900)
    return f"wheelhouse {wh} filled, then installed from it"


def clean_env(tmp: Path, venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("UNGGULAN_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["UNGGULAN_CACHE_DIR"] = str(tmp / "cache")
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    env["NO_COLOR"] = "1"
    return env


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 120) -> tuple[int, dict, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def check_offline_html(html: str) -> None:
    tags = EXTERNAL_TAG.findall(html)
    if tags:
        raise SmokeError(f"the standalone map loads from the network: {tags[:3]}")
    assets = EXTERNAL_ASSET.findall(html)
    if assets:
        raise SmokeError(f"the standalone map names scripts/stylesheets on the network: "
                         f"{sorted(set(assets))[:5]}")
    if "a JS library for interactive maps" not in html:  # Leaflet's header comment
        raise SmokeError("Leaflet is not inlined in the standalone map")


def serve_check(venv: Path, env: dict, work: Path, timeout: float = 150) -> list[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "serve.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [str(venv / "bin" / "unggulan"), "serve", "--host", "127.0.0.1", "--port",
             str(port), "--no-prepare"], env=env, cwd=work, stdout=fh, stderr=subprocess.STDOUT,
            start_new_session=True)
    seen = []
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise SmokeError(f"`unggulan serve` exited {proc.returncode}:\n"
                                 f"{log.read_text()[-3000:]}")
            try:
                status, _, body = http_get(base + "/", timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SmokeError(f"`unggulan serve` did not answer on {base} in {timeout} s:"
                                     f"\n{log.read_text()[-3000:]}") from None
                time.sleep(0.5)
        page = body.decode("utf-8", "replace")
        if status != 200 or "/static/vendor/leaflet/dist/leaflet.js" not in page:
            raise SmokeError(f"GET / -> {status}, without the local Leaflet link: {page[:500]}")
        seen.append(f"GET / {status} ({len(body)} B)")
        status, headers, body = http_get(base + "/static/vendor/leaflet/dist/leaflet.js")
        if status != 200 or b"a JS library for interactive maps" not in body:
            raise SmokeError(f"GET /static/vendor/leaflet/dist/leaflet.js -> {status}")
        seen.append(f"GET /static/vendor/leaflet/dist/leaflet.js {status} ({len(body)} B)")
        # an image Leaflet's stylesheet names (relative url, served beside it)
        status, headers, body = http_get(base + "/static/vendor/leaflet/dist/images/layers.png")
        if status != 200 or not body.startswith(b"\x89PNG"):
            raise SmokeError(f"GET /static/vendor/leaflet/dist/images/layers.png -> {status}")
        seen.append(f"GET /static/vendor/leaflet/dist/images/layers.png {status}")
        path = "/api/v1/candidates?level=kecamatan&top=3&scenario=permendagri_9_2014&limit=5"
        status, headers, body = http_get(base + path)
        if status != 200:
            raise SmokeError(f"GET {path} -> {status}: {body[:500]!r}")
        data = json.loads(body)
        if not data.get("items") or data.get("total", 0) < 1:
            raise SmokeError(f"GET {path}: no candidates: {body[:500]!r}")
        seen.append(f"GET {path} {status} ({data['total']} candidates)")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the server this script started, by its id
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    return seen


def smoke(tmp: Path, wheel: Path, version: str, base_python: str) -> dict[str, float]:
    times: dict[str, float] = {}
    venv = tmp / "venv"
    work = tmp / "work"
    work.mkdir()
    py = venv / "bin" / "python"

    t0 = step(f"fresh virtual environment {venv}, pip install {wheel.name}")
    run([base_python, "-m", "venv", venv])
    env = clean_env(tmp, venv)
    how = install(py, wheel, env)
    times["venv + install"] = done(t0, how)

    site = run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
               env=env).stdout.strip()
    data_dir = Path(site) / "unggulan" / "_data"
    before = snapshot(data_dir)
    if not before:
        raise SmokeError(f"no bundled data installed in {data_dir}")

    t0 = step("import unggulan; Dataset.open() with no argument")
    code = ("import unggulan; from unggulan import Dataset; ds = Dataset.open(); "
            "print(unggulan.__version__); print(unggulan.__file__); print(ds.folder); "
            "print(len(ds.areas('desa')))")
    lines = run([py, "-c", code], env=env, cwd=work).stdout.split()
    got_version, module, folder, n_desa = lines[-4:]
    if got_version != version:
        raise SmokeError(f"unggulan.__version__ {got_version} != {version}")
    if not Path(module).resolve().is_relative_to(venv.resolve()):
        raise SmokeError(f"imported unggulan from {module}, not from the fresh environment")
    if Path(folder).resolve() != data_dir.resolve():
        raise SmokeError(f"Dataset.open() read {folder}, not the package's {data_dir}")
    times["import"] = done(t0, f"{module}, bundled data {folder}, {n_desa} desa")

    t0 = step("python -m unggulan --help; unggulan --version")
    help_text = run([py, "-m", "unggulan", "--help"], env=env, cwd=work).stdout
    if "validate" not in help_text or "serve" not in help_text:
        raise SmokeError(f"python -m unggulan --help lists no commands:\n{help_text}")
    shown = run([venv / "bin" / "unggulan", "--version"], env=env, cwd=work).stdout.strip()
    if shown != f"unggulan {version}":
        raise SmokeError(f"unggulan --version printed {shown!r}")
    times["help, version"] = done(t0, shown)

    t0 = step("unggulan validate (no --data)")
    run([venv / "bin" / "unggulan", "validate"], env=env, cwd=work)
    times["validate"] = done(t0)

    t0 = step("unggulan map --out peta.html (standalone, offline)")
    out = work / "peta.html"
    run([venv / "bin" / "unggulan", "map", "--out", out, "--level", "kecamatan"],
        env=env, cwd=work)
    check_offline_html(out.read_text(encoding="utf-8"))
    times["map"] = done(t0, f"{out.stat().st_size / 1e6:.2f} MB, no external script or "
                        "stylesheet")

    t0 = step("unggulan serve on a free 127.0.0.1 port")
    seen = serve_check(venv, env, work)
    times["serve"] = done(t0, "; ".join(seen))

    after = snapshot(data_dir)
    if after != before:
        changed = sorted(set(before.items()) ^ set(after.items()))
        raise SmokeError(f"the installed bundled data changed: {changed[:5]}")
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-only", action="store_true", help="build dist/*.whl and stop")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--python", default=getattr(sys, "_base_executable", sys.executable),
                    help="the interpreter the fresh virtual environment is made from")
    args = ap.parse_args(argv)

    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="unggulan-smoke-"))
    ok = False
    try:
        version = source_version()
        t0 = step("build the wheel from the source files")
        files = source_files()
        wheel = build_wheel(tmp, files)
        check_wheel(wheel, files, version)
        t_build = done(t0, f"{wheel.name}, {wheel.stat().st_size / 1e6:.2f} MB")
        dist = ROOT / "dist"
        dist.mkdir(exist_ok=True)
        for old in dist.glob("unggulan-*.whl"):
            old.unlink()
        shutil.copy2(wheel, dist / wheel.name)
        if not args.build_only:
            times = smoke(tmp, wheel, version, args.python)
        ok = True
    except (SmokeError, subprocess.TimeoutExpired) as exc:
        print(f"SMOKE TEST FAILED: {exc}", file=sys.stderr)
        print(f"(kept {tmp})", file=sys.stderr)
        print("smoke_wheel: 0 passed, 1 failed")
        return 1
    finally:
        if ok and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    size = (dist / wheel.name).stat().st_size
    with zipfile.ZipFile(dist / wheel.name) as z:
        count = len(z.namelist())
    print(f"wheel: dist/{wheel.name}: {size:,} bytes ({size / 1e6:.2f} MB, {count} files); "
          f"build {t_build:.1f} s")
    if not args.build_only:
        print("smoke test passed: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
              + f"; total {time.perf_counter() - start:.1f} s")
        # the checks, counted as a test runner would (the wheel's build and contents, then
        # each step in the fresh environment)
        print(f"smoke_wheel: {1 + len(times)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
