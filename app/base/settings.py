"""Settings from the environment (prefix ``UNGGULAN_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

# the bundled default dataset: the source tree's data/ or an installed package's unggulan/_data
from unggulan.base.resources import bundled_data_dir, default_cache_dir  # noqa: F401


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UNGGULAN_", env_file=".env", extra="ignore")

    data: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    cors_origins: list[str] = []
    # writes (reload, applying uploads, saving scenarios) need this key in the X-API-Key header;
    # unset or empty: writes are off (403)
    write_api_key: str | None = None
    max_upload_mb: int = 10  # an uploaded file (multipart request body: this + 64 KiB)
    max_request_kb: int = 1024  # any other request body
    # token bucket per client IP on the expensive endpoints (0: no limit)
    rate_limit_per_minute: float = 30.0
    rate_limit_burst: int = 20
    # "[METHOD ]/path-glob" (fnmatch; * also matches /)
    rate_limit_paths: list[str] = [
        "POST /api/v1/reload",
        "POST /api/v1/candidates",
        "GET /api/v1/export",
        "POST /api/v1/sentra/preview",
        "POST /api/v1/scenarios*",
        "PUT /api/v1/scenarios*",
        "DELETE /api/v1/scenarios*",
        "GET /peta/data/*",
        "GET /api/v1/areas/*/brief.*",
    ]
    # image hosts the map pages may load (the OpenStreetMap basemap), besides 'self' and data:
    csp_img_hosts: list[str] = ["https://tile.openstreetmap.org"]
    referrer_policy: Literal["no-referrer", "same-origin"] = "same-origin"
    workers: int = 1
    # each worker prepares every level's default candidates before it accepts requests
    # (read from the disk cache, or computed once), so no request waits for them and a
    # worker that is not ready yet leaves the requests to those that are; `unggulan serve`
    # turns it on (--no-prepare turns it off)
    prepare_on_start: bool = False
    # candidate results (one per level and set of weights/options) a process keeps in memory,
    # least recently used let go first (they stay in the disk cache)
    results_in_memory: int = 8
    cache_dir: Path | None = None
    no_cache: bool = False
    basemap: Literal["osm", "plain"] = "osm"  # the map pages' default base layer
    map_embed_limit: int = 3000  # areas a map page inlines per level; more are fetched
    map_tile_limit: int = 20_000  # a level of more areas is drawn from vector tiles (/tiles)

    def cache_path(self) -> Path | None:
        """Where coverage is cached on disk (None: no disk cache)."""
        if self.no_cache:
            return None
        if self.cache_dir:
            return Path(self.cache_dir)
        return default_cache_dir()

    def data_dir(self) -> Path:
        return Path(self.data) if self.data else bundled_data_dir()
