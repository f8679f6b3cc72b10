"""The map pages under their Content-Security-Policy, in headless Chromium: no violation.

Each served HTML page carries a policy that runs only the service's own script files and the
page's inline scripts by their SHA-256 hashes. A violation shows as a console error
("Refused to ...") and as a ``securitypolicyviolation`` event; both are collected while the
pages are opened and used (popup, language switch, level switch, detail and commodity pages,
a level fetched from /peta/data and drawn on a canvas). A page whose policy is made
stricter on the way (its hashes removed) shows that the collection does see violations.
"""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import csp_watched_page
from tests.conftest import BUNDLED
from tests.helpers import serve


@pytest.fixture(scope="module")
def service():
    if not BUNDLED.exists():
        pytest.skip(f"{BUNDLED} not present")
    # a small inline limit: the desa level is fetched from /peta/data, the kecamatan inlined
    with serve(BUNDLED, env={"UNGGULAN_MAP_EMBED_LIMIT": "10"}) as base:
        yield base


@pytest.fixture
def csp_page(browser):
    # its own context: the shared ``page`` fixture bypasses the CSP for Playwright's helpers
    context, page = csp_watched_page(browser)
    yield page
    context.close()


def _violations(page) -> list[str]:
    try:
        events = page.evaluate("window.__csp || []")
    except Exception:  # the page is navigating
        events = []
    return events + page.csp_console


def _wait_drawn(page, level="desa", timeout=30_000) -> int:
    page.wait_for_function(
        f"document.documentElement.getAttribute('data-drawn-{level}') !== null",
        timeout=timeout)
    return int(page.evaluate(f"document.documentElement.getAttribute('data-drawn-{level}')"))


def _policy_of(response) -> str:
    policy = response.headers.get("content-security-policy", "")
    assert "'sha256-" in policy and "'unsafe-inline'" not in policy.split("script-src")[1] \
        .split(";")[0], policy
    return policy


def test_map_pages_run_under_their_policy(service, csp_page):
    page, base = csp_page, service
    with page.expect_response(lambda r: "/peta/data/desa.geojson" in r.url) as data:
        response = page.goto(f"{base}/")
    _policy_of(response)
    assert data.value.status == 200
    n = _wait_drawn(page)
    assert n == httpx.get(f"{base}/api/v1/areas", params={"limit": 1}).json()["total"]
    assert page.locator(".leaflet-overlay-pane canvas").count() >= 1  # the fetched level
    # a popup: built by the page's script from the data (inline styles, innerHTML)
    page.evaluate("""() => { const u = window.unggulan; let first = null;
        u.state.layers.desa.eachLayer(l => { if (!first) first = l; });
        first.openPopup(first.getBounds ? first.getBounds().getCenter() : undefined); }""")
    page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    page.click(".lang-btn[data-lang=en]")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.locator(".leaflet-control-layers label", has_text="District").click()
    _wait_drawn(page, "kecamatan")
    assert _violations(page) == []
    assert page.console.errors == [], page.console.errors

    code = httpx.get(f"{base}/api/v1/areas", params={"limit": 1}).json()["items"][0]["code"]
    _policy_of(page.goto(f"{base}/peta/wilayah/{code}"))
    _wait_drawn(page)
    page.click(".unggulan-detail .lang-btn >> text=EN")
    assert _violations(page) == []

    cid = httpx.get(f"{base}/api/v1/commodities").json()
    cid = (cid["items"] if isinstance(cid, dict) else cid)[0]["id"]
    for view in ("class", "score"):
        _policy_of(page.goto(f"{base}/peta/komoditas/{cid}?view={view}&level=kecamatan"))
        _wait_drawn(page, "kecamatan")
        assert _violations(page) == []
    assert page.console.errors == [], page.console.errors
    assert page.console.external == [], page.console.external


def test_the_api_docs_inline_script_is_allowed(service, csp_page):
    """/docs loads Swagger UI from its CDN (unreachable here) and starts it inline: no CSP
    violation, whatever the network does."""
    page, base = csp_page, service
    _policy_of(page.goto(f"{base}/docs"))
    page.wait_for_timeout(500)
    assert _violations(page) == []


def test_a_violation_would_be_seen(service, csp_page):
    """The same page with its hashes struck from the policy: its inline scripts are refused
    and the test's collection reports it."""
    page, base = csp_page, service

    def strip_hashes(route):
        resp = route.fetch()
        headers = dict(resp.headers)
        policy = headers.get("content-security-policy", "")
        headers["content-security-policy"] = " ".join(
            w for w in policy.split(" ") if not w.startswith("'sha256-"))
        route.fulfill(response=resp, headers=headers)

    page.route(f"{base}/peta?lang=en", strip_hashes)
    page.goto(f"{base}/peta?lang=en")
    page.wait_for_timeout(1000)
    seen = _violations(page)
    assert any("script-src" in v for v in seen), seen
    assert page.evaluate("document.documentElement.getAttribute('data-drawn-desa')") is None
