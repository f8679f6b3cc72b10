"""Transport middleware: compressed answers (brotli or gzip, as the client asks) and ``HEAD``
answered wherever ``GET`` is.

**Compression.** Pages, JSON, GeoJSON, CSV and GeoPackages are compressed when the client
sends ``Accept-Encoding``: brotli (``br``, quality 5) when it accepts brotli, else gzip
(level 6, starlette's :class:`~starlette.middleware.gzip.GZipMiddleware` responder). On the
Bone desa map page brotli 5 was 11-40 % smaller than gzip 6 in similar time (1.27 MB: 179 KB
against 201 KB; an earlier 2.68 MB version: 349 KB against 577 KB, 0.1-0.3 s each on the
shared machine); brotli 11 gave 231 KB in 17 s. A whole body of
64 KB or more is compressed once: its compressed form is kept by the body's digest (the last
64, at most 64 MB), so a page asked again costs a hash, not a compression. Bodies that are already
compressed stay as they are: vector tiles (``application/vnd.mapbox-vector-tile``, often
gzipped by their producers and tiny), zip (shapefile exports), Parquet, PDF, images, and any
answer that already has a ``Content-Encoding``. Bodies under 500 bytes are not worth it.
``Vary: Accept-Encoding`` is set on every compressible answer so caches keep both forms.

**HEAD.** FastAPI registers ``GET`` routes for ``GET`` only, so ``HEAD`` answered 405. The
middleware runs a ``HEAD`` as a ``GET`` and sends its status and headers (``Content-Length``
and ``Content-Encoding`` those of the ``GET``) without the body.
"""

from __future__ import annotations

import anyio
from starlette.datastructures import Headers
from starlette.middleware.gzip import (
    DEFAULT_EXCLUDED_CONTENT_TYPES,
    GZipResponder,
    IdentityResponder,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: answers never compressed (their bodies are compressed already, or are tiny binaries)
EXCLUDED = DEFAULT_EXCLUDED_CONTENT_TYPES + (
    "application/vnd.mapbox-vector-tile",
    "application/x-protobuf",
    "application/vnd.apache.parquet",
    "application/pdf",
    "application/x-zip-compressed",
    "application/octet-stream",
    "image/*",
)
MINIMUM_SIZE = 500
GZIP_LEVEL = 6  # level 9 costs twice the CPU for 1-2 % on these bodies
BROTLI_QUALITY = 5  # 11 (the default) is for static files: seconds per megabyte
#: bodies from this size are compressed on a worker thread, not on the event loop
THREAD_MINIMUM = 128 * 1024


def accepts(header: str, coding: str) -> bool:
    """Whether an ``Accept-Encoding`` header accepts ``coding`` (a ``q=0`` refuses it).

    >>> accepts("gzip, deflate, br", "br"), accepts("br;q=0, gzip", "br")
    (True, False)
    >>> accepts("*", "br"), accepts("", "gzip")
    (True, False)
    """
    star = False
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip()
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if name == coding:
            return q > 0
        if name == "*":
            star = q > 0
    return star


#: whole bodies from this size have their compressed form kept (see :class:`_Kept`)
KEEP_MINIMUM = 64 * 1024


class _Kept:
    """Compressed bodies by (encoding, digest of the plain body): the last ``count``, at most
    ``max_bytes`` together. Thread-safe (large bodies are compressed on worker threads)."""

    def __init__(self, count: int = 64, max_bytes: int = 64 * 1024 * 1024):
        import threading
        from collections import OrderedDict

        self.count, self.max_bytes = count, max_bytes
        self.items: OrderedDict[tuple, bytes] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self.lock:
            out = self.items.get(key)
            if out is not None:
                self.items.move_to_end(key)
            return out

    def put(self, key: tuple, value: bytes) -> None:
        with self.lock:
            if key in self.items or len(value) > self.max_bytes:
                return
            self.items[key] = value
            self.size += len(value)
            while len(self.items) > self.count or self.size > self.max_bytes:
                _, old = self.items.popitem(last=False)
                self.size -= len(old)


KEPT = _Kept()


def _compress_whole(responder, compress, body: bytes) -> bytes:
    """``compress(body)``, or its kept result for the same body and encoding."""
    if len(body) < KEEP_MINIMUM:
        return compress(body)
    import hashlib

    key = (responder.content_encoding, len(body), hashlib.blake2b(body, digest_size=20).digest())
    out = KEPT.get(key)
    if out is None:
        out = compress(body)
        KEPT.put(key, out)
    return out


class _KeepWhole:
    """A responder whose whole (not streamed) bodies go through :func:`_compress_whole`:
    the first call with ``more_body=False`` is a whole body (a stream's first call has
    ``more_body=True``)."""

    _calls = 0

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        self._calls += 1
        if self._calls == 1 and not more_body and len(body) >= KEEP_MINIMUM:
            def whole(b: bytes) -> bytes:
                return self._compress_body(b, False)

            return await anyio.to_thread.run_sync(_compress_whole, self, whole, body)
        return await super().apply_compression(body, more_body=more_body)


class BrotliResponder(IdentityResponder):
    """starlette's responder, compressing with brotli (streamed bodies too)."""

    content_encoding = "br"

    def __init__(self, app: ASGIApp, minimum_size: int, quality: int = BROTLI_QUALITY, *,
                 exclude_content_types: tuple[str, ...] = EXCLUDED) -> None:
        super().__init__(app, minimum_size, exclude_content_types=exclude_content_types)
        self.quality = quality
        self._compressor = None

    def _compress_body(self, body: bytes, more_body: bool) -> bytes:
        import brotli

        if self._compressor is None:
            if not more_body:
                return brotli.compress(body, quality=self.quality)
            self._compressor = brotli.Compressor(quality=self.quality)
        out = self._compressor.process(body)
        return out + (self._compressor.flush() if more_body else self._compressor.finish())

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        if len(body) >= THREAD_MINIMUM:
            return await anyio.to_thread.run_sync(self._compress_body, body, more_body)
        return self._compress_body(body, more_body)


class KeptBrotliResponder(_KeepWhole, BrotliResponder):
    """Brotli, whole bodies compressed once (see :class:`_Kept`)."""


class KeptGZipResponder(_KeepWhole, GZipResponder):
    """starlette's gzip, whole bodies compressed once (see :class:`_Kept`)."""


class CompressionMiddleware:
    """Brotli when the client accepts it, else gzip, else the body as it is."""

    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("accept-encoding", "")
        responder: ASGIApp
        if header and accepts(header, "br"):
            responder = KeptBrotliResponder(self.app, self.minimum_size)
        elif header and accepts(header, "gzip"):
            responder = KeptGZipResponder(self.app, self.minimum_size, compresslevel=GZIP_LEVEL,
                                      thread_minimum_size=THREAD_MINIMUM,
                                      exclude_content_types=EXCLUDED)
        else:
            responder = IdentityResponder(self.app, self.minimum_size,
                                          exclude_content_types=EXCLUDED)
        await responder(scope, receive, send)


class HeadMiddleware:
    """``HEAD`` answered as the ``GET`` of the same URL, without its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            if message["type"] == "http.response.pathsend":
                await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
