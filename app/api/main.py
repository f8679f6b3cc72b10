"""The FastAPI app: wiring only. Layers are loaded once, in the lifespan."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from unggulan import __version__
from unggulan.api import (
    middleware,
    ogc,
    routes_areas,
    routes_brief,
    routes_data,
    routes_dataset,
    routes_export,
    routes_maps,
    routes_scenarios,
    routes_statistics,
    routes_tiles,
    routes_upload,
    routes_zones,
    security,
)
from unggulan.api.deps import DatasetHolder
from unggulan.api.errors import DEFAULT_STATUS_CODES, add_exception_handlers
from unggulan.api.models import ERROR_RESPONSES
from unggulan.base.settings import Settings
from unggulan.maps.assets import OWN_DIR, OWN_URL, VENDOR_URL, assets_dir

log = logging.getLogger("unggulan")

def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from starlette.concurrency import run_in_threadpool

        from unggulan.api import startup

        startup.ensure_logging(settings.log_level)  # the plan and progress below
        app.state.settings = settings
        # read from the disk cache when seen before (or the object `unggulan serve` opened)
        opened = await run_in_threadpool(startup.open_for_service, settings.data_dir(),
                                         settings)
        app.state.holder = DatasetHolder(settings.data_dir(), settings=settings,
                                         opened=opened)
        if settings.prepare_on_start:
            import threading

            # beside and after the preparation, on a thread: the vector tiles' index and a
            # national level's answers (the service answers meanwhile)
            prepared = threading.Event()
            routes_areas.finish_default(app.state.holder.dataset, settings.map_tile_limit,
                                        prepared)
            try:
                # before this worker accepts requests: until then the others take them; the
                # plan, its estimate and each step's time go to the log
                await run_in_threadpool(routes_areas.prepare_default,
                                        app.state.holder.dataset)
            finally:
                prepared.set()
        yield
        # what this service froze (unggulan.api.heap) may be collected once it is gone
        from unggulan.api import heap

        heap.thaw()

    app = FastAPI(
        title="unggulan",
        version=__version__,
        description="Komoditas unggulan per desa dan kecamatan / flagship commodities per area.",
        lifespan=lifespan,
    )
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["*"])
    security.install(app, settings)  # headers and CSP, request size, rate limit
    # answers compressed (brotli or gzip) and HEAD answered as GET, outermost: a HEAD
    # gets the GET's headers (unggulan.api.middleware)
    app.add_middleware(middleware.CompressionMiddleware)
    app.add_middleware(middleware.HeadMiddleware)
    add_exception_handlers(app, DEFAULT_STATUS_CODES)
    for r in (routes_dataset.router, routes_areas.router, routes_data.router,
              routes_export.router, routes_upload.router,
              routes_statistics.router, routes_scenarios.router):
        app.include_router(r, prefix="/api/v1", responses=ERROR_RESPONSES)
    app.include_router(routes_brief.router, prefix="/api/v1", responses=ERROR_RESPONSES)
    app.include_router(routes_zones.router, prefix="/api/v1", responses=ERROR_RESPONSES)
    app.include_router(ogc.router, responses=ERROR_RESPONSES)
    app.include_router(routes_maps.router, responses=ERROR_RESPONSES)
    app.include_router(routes_tiles.router, responses=ERROR_RESPONSES)
    # the map pages' scripts: Leaflet and plugins from npm (make install), and our own
    if assets_dir().is_dir():  # without `npm ci` the pages say what is missing (check_assets)
        app.mount(VENDOR_URL, StaticFiles(directory=assets_dir()), name="vendor")
    app.mount(OWN_URL, StaticFiles(directory=OWN_DIR), name="peta-static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)  # no icon; and no 404 in the browser's console

    @app.get("/health", tags=["service"])
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    return app
