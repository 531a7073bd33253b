"""Small audit results with hand-known values, shaped exactly like the AuditResult contract, for the map,
report and disclosure tests. The statistics are computed here from their METHODS §4-5 formulas."""
from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
from pyproj import Transformer

from repaudit import AuditResult

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "</script><script>window.__pwned=1</script>"
XSS_TRUST = "<b onmouseover=window.__pwned=2>Bold Trust</b>"

# urn, name, trust_code, trust, lat, lon, status, exclusion_reason
SCHOOLS = [
    (900001, "Alpha Academy", "T001", "Sea Trust", 50.8300, -0.1400, "audited", None),
    (900002, XSS_IMG, "T001", "Sea Trust", 50.8450, -0.1700, "audited", None),
    (900003, "Beta School", "T002", XSS_TRUST, 50.8600, -0.1100, "audited", None),
    (900004, "Gamma Primary", None, None, 50.8200, -0.2000, "audited", None),
    (900005, XSS_SCRIPT, "T002", XSS_TRUST, 50.8700, -0.0800, "audited", None),
    (900006, "Delta Special", None, None, 50.8350, -0.1200, "excluded", ("special school (outside scope: intake not local by law, places are named in EHC plans; "
         "rule: special school type)")),
    (900007, "Epsilon School", None, None, math.nan, math.nan, "excluded", "no location"),
]
# indicator -> urn -> (pupils, school rate, community rate)
RATES = {
    "fsm": {900001: (1000, 0.10, 0.20), 900002: (400, 0.18, 0.20), 900003: (600, 0.30, 0.25),
            900004: (200, 0.12, 0.15), 900005: (300, 0.15, 0.20)},
    "sen": {900001: (1000, 0.12, 0.14), 900002: (400, 0.20, 0.15), 900003: (600, 0.10, 0.14),
            900004: (200, 0.16, 0.15), 900005: (300, 0.13, 0.14)},
    "cin": {900001: (1000, 0.003, 0.03), 900002: (400, 0.05, 0.03), 900003: (600, 0.05, 0.04),
            900004: (200, 0.0, 0.03), 900005: (300, 0.04, 0.03)},
}
Z95, Z998 = 1.959964, 3.090232


def flag_of(z):
    if z is None or math.isnan(z):
        return None
    return ("below_998" if z < -Z998 else "below_95" if z < -Z95 else "within" if z <= Z95
            else "above_95" if z <= Z998 else "above_998")


def school_rows(indicators=("fsm", "sen"), model="nearby-schools"):
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    rows = []
    for ind in indicators:
        for urn, name, tcode, tname, lat, lon, status, reason in SCHOOLS:
            e, n = to_bng.transform(lon, lat) if not math.isnan(lat) else (math.nan, math.nan)
            pupils, ps, pc = RATES[ind].get(urn, (math.nan, math.nan, math.nan))
            if status != "audited":
                pupils, ps, pc = (150 if reason != "no location" else 500), math.nan, math.nan
            z = (ps - pc) / math.sqrt(pc * (1 - pc) / pupils) if status == "audited" else math.nan
            rows.append({
                "urn": urn, "name": name, "la": "846", "la_name": "Brighton and Hove", "region": "South East",
                "trust": tname, "trust_code": tcode, "phase": "Secondary", "type": "Academy converter",
                "selective": False, "faith": urn == 900003, "indicator": ind, "community_model": model,
                "pupils": pupils, "school_rate": ps, "community_rate": pc, "gap_pp": 100 * (ps - pc),
                "ratio": ps / pc if status == "audited" else math.nan, "z": z, "flag": flag_of(z),
                "shortfall": pupils * (pc - ps), "status": status, "exclusion_reason": reason,
                "years": "2021,2022,2023", "vintage": "spc 2023/24 (synthetic)",
                "group_code": tcode or "LA-846", "group_name": tname or "LA maintained: Brighton and Hove",
                "easting": e, "northing": n, "lat": lat, "lon": lon})
    return pd.DataFrame(rows)


def trust_rows(schools):
    out = []
    audited = schools[schools["status"] == "audited"].copy()
    audited["group"] = audited["trust_code"].fillna("LA-846")
    for (ind, code), part in audited.groupby(["indicator", "group"]):
        n, ps, pc = part["pupils"], part["school_rate"], part["community_rate"]
        obs, exp = float((n * ps).sum()), float((n * pc).sum())
        below = int(part["flag"].isin(["below_95", "below_998"]).sum())
        comparison = code == "LA-846"
        out.append({"trust_code": code, "trust_name": "LA maintained: Brighton and Hove" if comparison
                    else part["trust"].iloc[0], "indicator": ind, "community_model": part["community_model"].iloc[0],
                    "schools": len(part), "pupils": float(n.sum()), "observed": obs, "expected": exp,
                    "gap_pp": 100 * (obs - exp) / n.sum(), "shortfall": exp - obs,
                    "z": (obs - exp) / math.sqrt(float((n * pc * (1 - pc)).sum())),
                    "n_below": below, "share_below": below / len(part), "ranked": len(part) >= 2,
                    "comparison": comparison})
    return pd.DataFrame(out)


def area_rows(schools):
    out = []
    audited = schools[schools["status"] == "audited"]
    for ind, part in audited.groupby("indicator"):
        f, t = (part["pupils"] * part["school_rate"]).to_numpy(), part["pupils"].to_numpy(dtype=float)
        big_f, big_t = f.sum(), t.sum()
        d = 0.5 * np.abs(f / big_f - (t - f) / (big_t - big_f)).sum()
        out.append({"level": "la", "area_code": "846", "area_name": "Brighton and Hove", "indicator": ind,
                    "phase": "Secondary", "schools": len(part), "pupils": big_t, "group_pupils": big_f,
                    "share": big_f / big_t, "D": d, "GS": 0.5 * np.abs(f / big_f - t / big_t).sum(),
                    "isolation": float(((f / big_f) * (f / t)).sum()), "D_bc": d - 0.01,
                    "D_bc_bootstrap95_low": d - 0.05, "D_bc_bootstrap95_high": d + 0.03, "D_random": 0.02,
                    "D_school_resample95_low": d - 0.1, "D_school_resample95_high": d + 0.1, "D_undefined": None})
    return pd.DataFrame(out)


def example_result(indicators=("fsm", "sen"), model="nearby-schools", synthetic=True) -> AuditResult:
    schools = school_rows(indicators, model)
    return AuditResult(
        schools=schools, trusts=trust_rows(schools), areas=area_rows(schools),
        lsoas=pd.DataFrame(columns=["lsoa", "indicator", "rate", "child_population"]),
        meta={"community_model": model, "params": {"k": 5}, "indicators": list(indicators),
              "years": [2021, 2022, 2023], "phase": "secondary", "filters": {"la": "Brighton and Hove"},
              "calibration": None,
              "vintages": {"school_census": [{"source_file": "spc_school_level_2023.csv", "vintage": "2023/24"}],
                           "schools": [{"source_file": "edubasealldata20250524.csv", "vintage": "20250524"}]},
              "generated_at": "2025-06-01T12:00:00", "suppressed": False, "synthetic": synthetic})


def with_lsoas(result, rates) -> AuditResult:
    """A copy of RESULT whose .lsoas holds {lsoa: (indicator, rate, child_population)} rows."""
    out = copy.copy(result)
    out.lsoas = pd.DataFrame([{"lsoa": k, "indicator": i, "rate": r, "child_population": p}
                              for k, (i, r, p) in rates.items()])
    return out
