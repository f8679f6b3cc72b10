"""Settings from the environment (prefix ``UNGGULAN_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


def bundled_data_dir() -> Path:
    """The repository's ``data/`` folder: the bundled default dataset."""
    return Path(__file__).resolve().parent.parent / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UNGGULAN_", env_file=".env", extra="ignore")

    data: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    cors_origins: list[str] = []
    write_api_key: str | None = None

    def data_dir(self) -> Path:
        return Path(self.data) if self.data else bundled_data_dir()
