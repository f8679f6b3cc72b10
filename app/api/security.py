"""The service's guards, for a service published on an office network.

- **Write key**: endpoints that change state (reload, applying an upload, saving a scenario)
  depend on :func:`require_write_key`: the key configured in ``UNGGULAN_WRITE_API_KEY`` must
  come in the ``X-API-Key`` header, compared in constant time. Without a configured key
  writes are off (403, saying how to turn them on).
- **Rate limit**: a token bucket per client IP, in memory, on the expensive endpoints
  (``Settings.rate_limit_paths``: reload, exports, uploads, map data of large levels, brief
  PDFs); an empty bucket answers 429 with ``Retry-After``.
- **Request size**: a body over the limit is refused with 413 naming the limit: at once when
  its ``Content-Length`` says so, else as soon as the bytes read so far pass it (chunked
  bodies). Multipart bodies (uploads) have ``UNGGULAN_MAX_UPLOAD_MB`` (+64 KiB for the
  envelope), others ``UNGGULAN_MAX_REQUEST_KB``.
- **Security headers** on every response (``X-Content-Type-Options``, ``Referrer-Policy``,
  ``X-Frame-Options``, a ``Content-Security-Policy``). An HTML page gets a policy that runs
  only the service's own script files and the page's own inline ``<script>`` blocks, by their
  SHA-256 hashes computed from the response body; inline styles are allowed
  (``'unsafe-inline'`` in ``style-src``: folium and Leaflet write ``style`` attributes, and
  styles cannot run code); images from the service, ``data:`` URIs and the basemap's tile host.

CORS stays closed unless ``UNGGULAN_CORS_ORIGINS`` lists origins (see :mod:`unggulan.api.main`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import threading
import time
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.security import APIKeyHeader
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unggulan.api.errors import NotAuthorised, RequestTooLarge, WritesDisabled
from unggulan.base.settings import Settings

API_KEY_HEADER = "X-API-Key"
MULTIPART_SLACK = 64 * 1024  # the multipart envelope around an uploaded file
#: pages that FastAPI builds from a CDN (Swagger UI, ReDoc): the policy names the CDN there
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")
DOCS_SOURCES = {
    "script-src": ["https://cdn.jsdelivr.net"],
    "style-src": ["https://cdn.jsdelivr.net", "https://fonts.googleapis.com"],
    "img-src": ["https://fastapi.tiangolo.com", "https://cdn.redoc.ly"],
    "font-src": ["https://fonts.gstatic.com"],
    "worker-src": ["blob:"],
}
_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script[\s/>]", re.IGNORECASE | re.DOTALL)
_SRC_ATTR = re.compile(rb"\ssrc\s*=", re.IGNORECASE)
api_key_header = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, scheme_name="WriteKey",
    description="Kunci tulis / write key: the value of UNGGULAN_WRITE_API_KEY on the server")


# --- the write key -------------------------------------------------------------------------


def _key_bytes(value: str, *, from_header: bool) -> bytes:
    # header values reach us decoded as latin-1: encoding them back gives the bytes sent
    return value.encode("latin-1" if from_header else "utf-8", errors="replace")


def check_write_key(configured: str | None, given: str | None) -> None:
    """Refuse a write unless ``given`` equals the ``configured`` write key.

    Both are hashed with SHA-256 and the digests compared with :func:`hmac.compare_digest`,
    so neither the time taken nor its length tells how much of a guess was right.

    Raises
    ------
    WritesDisabled
        No key is configured (writes are off); the message says how to turn them on.
    NotAuthorised
        The header is missing or holds another key.

    Examples
    --------
    >>> check_write_key("rahasia", "rahasia")
    >>> check_write_key(None, "rahasia")
    Traceback (most recent call last):
    ...
    unggulan.api.errors.WritesDisabled: Penulisan dimatikan / writes are off: ...
    """
    if not configured:
        raise WritesDisabled(
            "Penulisan dimatikan / writes are off: this service has no write key. To turn "
            "writes on, set UNGGULAN_WRITE_API_KEY on the server (a long random secret), "
            f"restart it, and send the key in the {API_KEY_HEADER} header",
            field="x-api-key")
    expected = hashlib.sha256(_key_bytes(configured, from_header=False)).digest()
    got = hashlib.sha256(_key_bytes(given or "", from_header=True)).digest()
    if given is None or not hmac.compare_digest(got, expected):
        raise NotAuthorised(
            "Kunci tulis salah atau tidak ada / missing or wrong write key: send the key "
            f"configured in UNGGULAN_WRITE_API_KEY in the {API_KEY_HEADER} header",
            field="x-api-key")


def require_write_key(request: Request,
                      key: Annotated[str | None, Depends(api_key_header)] = None) -> None:
    """A dependency for every endpoint that changes state or costs more than a read.

    Examples
    --------
    >>> from fastapi import APIRouter, Depends
    >>> router = APIRouter()
    >>> @router.post("/scenarios", dependencies=[Depends(require_write_key)])
    ... def save_scenario() -> dict:
    ...     return {"saved": True}
    """
    check_write_key(request.app.state.settings.write_api_key, key)


# --- rate limit ----------------------------------------------------------------------------


class TokenBucket:
    """Token buckets per client: ``burst`` tokens, refilled at ``per_minute`` per minute.

    Parameters
    ----------
    per_minute : float
        Refill rate; a client can sustain this many requests per minute.
    burst : int
        Bucket size: requests a client may make at once after a quiet spell.
    clock : callable
        Seconds, monotonic (a fake one in tests).
    max_clients : int
        Buckets kept; beyond it the full (idle) buckets are forgotten.

    Examples
    --------
    >>> t = [0.0]
    >>> bucket = TokenBucket(per_minute=60, burst=2, clock=lambda: t[0])
    >>> bucket.take("10.0.0.7"), bucket.take("10.0.0.7"), bucket.take("10.0.0.7")
    (0.0, 0.0, 1.0)
    >>> t[0] = 1.0  # one second later one token is back
    >>> bucket.take("10.0.0.7")
    0.0
    """

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 10_000):
        self.rate = per_minute / 60.0
        self.burst = max(1, int(burst))
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, time)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Take a token for ``client``: 0.0 when granted, else the seconds until one is."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_clients:
                    self._forget_idle(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate if self.rate > 0 else math.inf

    def _forget_idle(self, now: float) -> None:
        for client, (tokens, then) in list(self._buckets.items()):
            if tokens + (now - then) * self.rate >= self.burst:
                del self._buckets[client]


def rate_limited(method: str, path: str, patterns: list[str]) -> bool:
    """Whether a request matches one of ``patterns`` (``"[METHOD ]/path-glob"``; HEAD counts
    as GET).

    Examples
    --------
    >>> rate_limited("GET", "/api/v1/areas/73.08.01/brief.pdf", ["GET /api/v1/areas/*/brief.*"])
    True
    >>> rate_limited("GET", "/api/v1/areas/73.08.01", ["GET /api/v1/areas/*/brief.*"])
    False
    """
    method = "GET" if method == "HEAD" else method
    for pattern in patterns:
        want, _, glob = pattern.strip().rpartition(" ")
        if want and want.upper() != method:
            continue
        if fnmatchcase(path, glob):
            return True
    return False


def _client(scope: Scope) -> str:
    # uvicorn puts the X-Forwarded-For address here for proxies in FORWARDED_ALLOW_IPS
    client = scope.get("client")
    return client[0] if client else "unknown"


async def _send_json(send: Send, status: int, detail: str,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail, "field": None}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())] + (headers or [])})
    await send({"type": "http.response.body", "body": body})


class RateLimitMiddleware:
    """429 with ``Retry-After`` when a client's bucket is empty (expensive endpoints only)."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.settings = settings
        self._bucket: TokenBucket | None = None
        self._params: tuple | None = None

    def bucket(self) -> TokenBucket:
        params = (self.settings.rate_limit_per_minute, self.settings.rate_limit_burst)
        if self._bucket is None or params != self._params:  # settings changed: start afresh
            self._bucket, self._params = TokenBucket(*params), params
        return self._bucket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        s = self.settings
        if (scope["type"] == "http" and s.rate_limit_per_minute > 0
                and rate_limited(scope["method"], scope["path"], s.rate_limit_paths)):
            wait = self.bucket().take(_client(scope))
            if wait > 0:
                retry = max(1, math.ceil(wait))
                await _send_json(
                    send, 429,
                    f"Terlalu banyak permintaan / too many requests: at most "
                    f"{s.rate_limit_per_minute:g} per minute (bursts of {s.rate_limit_burst}) "
                    f"per client for exports, uploads, reloads, briefs and large map data; "
                    f"try again in {retry} s",
                    [(b"retry-after", str(retry).encode())])
                return
        await self.app(scope, receive, send)


# --- request size --------------------------------------------------------------------------


def body_limit(settings: Settings, content_type: str) -> tuple[int, str]:
    """The byte limit of a request body and how to say it (multipart: an upload).

    Examples
    --------
    >>> body_limit(Settings(max_upload_mb=10), "multipart/form-data; boundary=x")
    (10551296, '10 MB (UNGGULAN_MAX_UPLOAD_MB)')
    """
    if content_type.lower().startswith("multipart/"):
        mb = settings.max_upload_mb
        return mb * (1 << 20) + MULTIPART_SLACK, f"{mb} MB (UNGGULAN_MAX_UPLOAD_MB)"
    kb = settings.max_request_kb
    return kb * 1024, f"{kb} KB (UNGGULAN_MAX_REQUEST_KB)"


def _too_large_message(limit_text: str) -> str:
    return (f"Permintaan terlalu besar / request too large: the body is over the limit of "
            f"{limit_text}")


class BodyLimitMiddleware:
    """413 naming the limit: before reading when ``Content-Length`` is over it, else as soon as
    the bytes received pass it."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit, limit_text = body_limit(self.settings, headers.get("content-type", ""))
        message = _too_large_message(limit_text)
        try:
            declared = int(headers.get("content-length", ""))
        except ValueError:
            declared = None
        if declared is not None and declared > limit:
            await _send_json(send, 413, message, [(b"connection", b"close")])
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(message)
            return msg

        async def tracked_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except RequestTooLarge:
            # FastAPI routes answer this themselves (exception handler); anything else lands here
            if started:
                raise
            await _send_json(send, 413, message, [(b"connection", b"close")])


# --- security headers ----------------------------------------------------------------------


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP source expressions (``'sha256-...'``) of the inline ``<script>`` blocks of a page.

    The browser hashes a script's text as parsed, where a CR LF or lone CR is a LF; blocks
    with a ``src`` attribute are loaded, not run inline, and get no hash.

    Examples
    --------
    >>> inline_script_hashes(b'<script src="/a.js"></script><script>var a = 1;</script>')
    ["'sha256-+dZ6udsWxNVoGfScAq7t5IIF5UJb4F6RhjbN6oe1p4w='"]
    """
    out: list[str] = []
    for match in _SCRIPT.finditer(html):
        if _SRC_ATTR.search(b" " + match.group(1)):
            continue
        text = match.group(2).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        digest = base64.b64encode(hashlib.sha256(text).digest()).decode("ascii")
        token = f"'sha256-{digest}'"
        if token not in out:
            out.append(token)
    return out


def html_policy(html: bytes, settings: Settings, docs: bool = False) -> str:
    """The Content-Security-Policy of one HTML page.

    Examples
    --------
    >>> p = html_policy(b"<script>go()</script>", Settings())
    >>> p.split("; ")[1].startswith("script-src 'self' 'sha256-")
    True
    """
    sources = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *inline_script_hashes(html)],
        "script-src-attr": ["'none'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *settings.csp_img_hosts],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    if docs:
        for directive, extra in DOCS_SOURCES.items():
            sources[directive] += extra
    return "; ".join(f"{k} {' '.join(v)}" for k, v in sources.items())


#: everything that is not an HTML page: nothing may run or load in its name
NON_HTML_POLICY = "default-src 'none'; frame-ancestors 'none'"
#: a PDF (the briefs): Chromium's viewer draws it in a page of its own that needs inline
#: styles and an <embed>, which default-src 'none' would refuse (crbug.com/271452)
PDF_POLICY = "frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """Security headers on every response; on HTML, a policy with its inline scripts' hashes
    (the body is held until complete, to hash it)."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.settings = settings

    def _common(self, headers: MutableHeaders) -> None:
        for name, value in (("x-content-type-options", "nosniff"),
                            ("referrer-policy", self.settings.referrer_policy),
                            ("x-frame-options", "DENY")):
            if name not in headers:
                headers[name] = value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] in DOCS_PATHS
        start: Message | None = None
        chunks: list[bytes] = []

        async def wrapped(msg: Message) -> None:
            nonlocal start
            if msg["type"] == "http.response.start":
                headers = MutableHeaders(scope=msg)
                self._common(headers)
                ctype = headers.get("content-type", "").lower()
                if "content-security-policy" in headers or not ctype.startswith("text/html"):
                    headers.setdefault("content-security-policy", PDF_POLICY if ctype.startswith(
                        "application/pdf") else NON_HTML_POLICY)
                    await send(msg)
                    return
                start = msg  # HTML: hold it until the body is complete
                return
            if start is None:
                await send(msg)
                return
            if msg["type"] != "http.response.body":  # e.g. a file sent by path: no text to hash
                held, start = start, None
                MutableHeaders(scope=held)["content-security-policy"] = html_policy(
                    b"", self.settings, docs)
                await send(held)
                await send(msg)
                return
            chunks.append(msg.get("body", b""))
            if msg.get("more_body", False):
                return
            body = b"".join(chunks)
            MutableHeaders(scope=start)["content-security-policy"] = html_policy(
                body, self.settings, docs)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the guards to ``app`` (outermost first: headers, size limit, rate limit).

    Examples
    --------
    >>> from fastapi import FastAPI
    >>> app = FastAPI()
    >>> install(app, Settings())
    >>> [m.cls.__name__ for m in app.user_middleware]
    ['SecurityHeadersMiddleware', 'BodyLimitMiddleware', 'RateLimitMiddleware']
    """
    app.add_middleware(RateLimitMiddleware, settings=settings)
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
