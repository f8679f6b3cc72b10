"""Headless Chromium (Debian's package, driven by Playwright); the service itself is started
with :func:`tests.helpers.serve`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import CHROMIUM, FLAGS  # noqa: F401 - the browser fixture: tests/conftest.py

OUTPUT = Path(os.environ.get("UNGGULAN_TEST_OUTPUT",
                             Path(__file__).resolve().parents[1] / "output"))
TILE_HOSTS = ("tile.openstreetmap.org",)


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


#: collects the page's Content-Security-Policy violations in ``window.__csp``
COLLECT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' @' + e.sourceFile + ':' +
    e.lineNumber));
"""


def csp_watched_page(browser):
    """A page in its own context with the site's CSP in force (no bypass), web map tiles
    blocked, console errors (``page.console``), CSP violations (``window.__csp``) and CSP
    console messages (``page.csp_console``) collected; returns ``(context, page)``."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.route("**/*", lambda route: route.abort()
               if any(h in route.request.url for h in TILE_HOSTS) else route.continue_())
    page.console = Console(page)
    page.add_init_script(COLLECT)
    page.csp_console = []
    page.on("console", lambda m: page.csp_console.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    return context, page
