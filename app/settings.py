"""The service's settings: moved to :mod:`unggulan.base.settings` (every layer may be handed
them); this path stays for code written against it."""

from unggulan.base.settings import Settings, bundled_data_dir, default_cache_dir  # noqa: F401
