"""Printable briefs (PDF and HTML) of a kecamatan or kabupaten, for Bappeda planners.

>>> from unggulan.reports import BriefOptions, write_brief
"""

from unggulan.reports.brief import (
    Brief,
    BriefOptions,
    brief_html,
    brief_pdf,
    build_brief,
    resolve_area,
    write_brief,
)

__all__ = ["Brief", "BriefOptions", "brief_html", "brief_pdf", "build_brief", "resolve_area",
           "write_brief"]
