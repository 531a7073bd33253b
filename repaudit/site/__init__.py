"""`repaudit site`: a static folder of pages (an England index, one page per local authority, one per trust)
that works from disk and on any static host (see build.build_site)."""
from .build import build_site

__all__ = ["build_site"]
