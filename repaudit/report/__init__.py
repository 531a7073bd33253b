"""The shareable, self-contained HTML report of an audit result (see build.write_report)."""
from .build import report_page, write_report

__all__ = ["report_page", "write_report"]
