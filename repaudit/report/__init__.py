"""The shareable, self-contained HTML report of an audit result (see build.write_report)."""
from .build import write_report

__all__ = ["write_report"]
