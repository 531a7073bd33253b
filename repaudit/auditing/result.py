"""AuditResult: what an audit returns (the contract shared with maps, report and simulator)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class AuditResult:
    """Data frames .schools (one row per input school x indicator), .trusts, .areas, .lsoas and a dict .meta.

    Column meanings are listed in repaudit/auditing/schools.py, trusts.py and areas.py; rates are 0-1
    proportions, gap_pp is in percentage points (negative = the school under-represents the group).
    """

    schools: pd.DataFrame
    trusts: pd.DataFrame
    areas: pd.DataFrame
    lsoas: pd.DataFrame
    meta: dict = field(default_factory=dict)
    by_year: pd.DataFrame | None = None   # urn, indicator, year, numerator, denominator, community_rate (same year)

    def audited(self, indicator: str | None = None) -> pd.DataFrame:
        """Audited schools (optionally of one indicator), least representative first: lowest shrunken
        (empirical-Bayes) gap, the `rank` column (docs/methodology.md)."""
        rows = self.schools[self.schools["status"] == "audited"]
        if indicator is not None:
            rows = rows[rows["indicator"] == indicator]
        from ..ranking import schools_in_order
        return schools_in_order(rows).reset_index(drop=True)

    def __repr__(self):
        counts = self.schools["status"].value_counts().to_dict() if len(self.schools) else {}
        return (f"AuditResult({self.meta.get('community_model')}, indicators={self.meta.get('indicators')}, "
                f"schools={counts}, trusts={len(self.trusts)}, areas={len(self.areas)})")
