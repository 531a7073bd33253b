"""repaudit: audit how representative each English school's intake is of its local community.

Python API: `repaudit.audit(wh, indicators=("fsm",), community="nearby-schools", ...)` returns an
AuditResult (data frames .schools, .trusts, .areas, .lsoas and a dict .meta); `repaudit.results.write`
writes it to files. See repaudit/auditing/run.py for the parameters.
"""
__version__ = "0.1.0"

from .auditing.result import AuditResult  # noqa: E402
from .auditing.run import audit  # noqa: E402
from . import results  # noqa: E402

__all__ = ["audit", "AuditResult", "results", "__version__"]
