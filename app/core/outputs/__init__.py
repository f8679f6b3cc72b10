"""What leaves the core: the layers that are exported and served (``layers``), the colours
commodities keep across maps and files (``colours``) and the readiness report of
``unggulan validate`` (``readiness``)."""
