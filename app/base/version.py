"""The tool's version: one place, read by every layer (the results' provenance, the service's
answers) and by the packaging (``pyproject.toml``: ``version = {attr = ...}``)."""

__version__ = "0.1.0"
