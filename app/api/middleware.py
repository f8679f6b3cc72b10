"""Transport middleware: compressed answers (brotli or gzip, as the client asks) and ``HEAD``
answered wherever ``GET`` is.

**Compression.** Pages, JSON, GeoJSON, CSV and GeoPackages are compressed when the client
sends ``Accept-Encoding``: brotli (``br``, quality 5: about as fast as gzip level 6 and
10-20 % smaller on the map pages) when it accepts brotli, else gzip (starlette's
:class:`~starlette.middleware.gzip.GZipMiddleware` responder). Bodies that are already
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


class BrotliResponder(IdentityResponder):
    """starlette's responder, compressing with brotli (streamed bodies too)."""

    content_encoding = "br"

    def __init__(self, app: ASGIApp, minimum_size: int, quality: int = BROTLI_QUALITY, *,
                 exclude_content_types: tuple[str, ...] = EXCLUDED) -> None:
        super().__init__(app, minimum_size, exclude_content_types=exclude_content_types)
        self.quality = quality
        self._compressor = None

    def _compress(self, body: bytes, more_body: bool) -> bytes:
        import brotli

        if self._compressor is None:
            if not more_body:
                return brotli.compress(body, quality=self.quality)
            self._compressor = brotli.Compressor(quality=self.quality)
        out = self._compressor.process(body)
        return out + (self._compressor.flush() if more_body else self._compressor.finish())

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        if len(body) >= THREAD_MINIMUM:
            return await anyio.to_thread.run_sync(self._compress, body, more_body)
        return self._compress(body, more_body)


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
            responder = BrotliResponder(self.app, self.minimum_size)
        elif header and accepts(header, "gzip"):
            responder = GZipResponder(self.app, self.minimum_size, compresslevel=GZIP_LEVEL,
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
