"""A running service and headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("UNGGULAN_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
OUTPUT = Path(os.environ.get("UNGGULAN_TEST_OUTPUT",
                             Path(__file__).resolve().parents[1] / "output"))
TILE_HOSTS = ("tile.openstreetmap.org",)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(data: Path, timeout: float = 90.0, **env_extra: str):
    """``unggulan serve`` in a child process; returns (process, base URL) once /health answers."""
    port = _free_port()
    env = dict(os.environ, UNGGULAN_DATA=str(data), **env_extra)
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"service exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"service on {base} did not answer within {timeout} s")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("UNGGULAN_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} missing: `make test` installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


class Console:
    """Console errors and uncaught exceptions of a page; failed map tiles are not errors
    (offices work offline: the page must work without them)."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.external: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("request", self._request)

    def _console(self, msg):
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if msg.text.startswith("Failed to load resource") and any(h in url for h in TILE_HOSTS):
            return
        self.errors.append(f"{msg.text} ({url})")

    def _request(self, req):
        url = req.url
        if url.startswith(("http://127.0.0.1", "file:", "data:", "about:", "blob:")):
            return
        if any(h in url for h in TILE_HOSTS):
            return
        self.external.append(url)


@pytest.fixture
def page(browser):
    # Playwright's wait_for_function evaluates strings, which the pages' CSP forbids; the
    # CSP itself is tested with it in force (test_csp_browser.py)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    pg = context.new_page()
    # no network here (as in many offices): tiles fail, the page must still work
    pg.route("**/*", lambda route: route.abort()
             if any(h in route.request.url for h in TILE_HOSTS) else route.continue_())
    pg.console = Console(pg)
    yield pg
    context.close()
