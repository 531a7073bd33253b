"""The fitted residence model (production-constrained gravity, a destination-choice model): the children
of LSOA l choose secondary school s with probability

    p(s | l) = A_s f_s(d_ls) / sum_k A_k f_k(d_lk)

over the schools of l's choice set (its `k` nearest same-phase state-funded mainstream schools and every
selective school within `selective_km`), with A_s = roll_s^size x exp(selective x b_sel + faith x b_faith
+ single_sex x b_single) and f a power (max(d, floor_km)^-decay) or exponential (exp(-decay x d)) distance
decay whose rate differs for selective and faith schools, with a further change of rate for single-sex
schools and with the LSOA's deprivation (decay_idaci: families in deprived areas travel less far). With the
exponential form, f may also carry a power term by kind of school, max(d, floor_km)^-log_decay (the
combined exp(-a d) d^-b of the gravity literature: steep near the school, a longer tail, or a peak away
from it when b < 0). The
utility also gains `same_la` when the school is in the LSOA's own local authority (coordinated admissions,
home-to-school transport). Selective, faith and single-sex schools may draw unevenly on deprived areas:
the utility of such a school to LSOA l gains b x IDACI_l (the LSOA's IoD income deprivation affecting
children score, 0-1; selective schools also b2 x IDACI_l^2), so a negative b means the school's pupils come
more from the less deprived LSOAs within its reach. The state-school pupils of l are its children x
exp(demand_idaci x IDACI_l + demand_idaci2 x IDACI_l^2): affluent areas send more children to independent
schools. From DfE's school-level applications and offers (`repaudit load admissions`; the latest entry year
loaded, or `admissions_year`), A_s may also carry popularity_s = log((times put first + 1) / (places offered
+ 1)), with its own change of the decay rate (an oversubscribed school fills from nearby, an undersubscribed
one draws from further), and places offered per pupil on roll; a school without them takes the median and
an indicator (no_admissions), and schools that have applications only in later entry years than the one
read (not yet open then) are left out of the choice sets. Every input is open national data (GIAS/SPC
attributes, applications and offers, LSOA centroids, child population, IDACI, the ONS LSOA lookup); never a
school's own intake. log A_s f_s(d) is linear in the parameters, so the model
is a conditional logit: `design` gives its columns and `demand` the LSOA's. A school's predicted pupils
from l are children_l x exp(demand) x p(s | l).

The parameters are fitted to the London Schools Atlas by bench/fit_residence_model.py and shipped as
residence_fit.json (package data), which also records how, on what and how well they were fitted.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..demand import school_demand
from ..errors import RepauditError
from . import neighbours

FIT_FILE = Path(__file__).with_name("residence_fit.json")
FORMS = ("power", "exponential")
BASE = ("size", "selective", "faith", "decay", "decay_selective", "decay_faith")
PAIR_NAMES = BASE + ("single_sex", "decay_single_sex", "selective_idaci", "faith_idaci", "single_sex_idaci",
                     "decay_idaci", "same_la", "selective_idaci2", "log_decay", "log_decay_selective",
                     "log_decay_faith", "popularity", "decay_popularity", "places_per_roll", "no_admissions")
ADMISSIONS = ("popularity", "places_per_roll", "no_admissions")      # school columns from applications and offers
ADMISSIONS_TERMS = ADMISSIONS + ("decay_popularity",)                 # the parameters that read them
DEMAND = ("demand_idaci", "demand_idaci2")
NAMES = PAIR_NAMES + DEMAND
DEMAND_LIMIT = 50.0                 # |participation term| above this is not a fit (exp overflows soon after)
KM = 1000.0


def load_fit(path=None) -> dict:
    """The fitted parameters: PATH (a JSON file written by bench/fit_residence_model.py) or the shipped fit."""
    source = Path(path) if path else FIT_FILE
    try:
        fit = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RepauditError(f"{source}: cannot read the fitted residence model ({exc}); give a JSON file "
                            "written by bench/fit_residence_model.py") from None
    parameters = fit.get("parameters") if isinstance(fit.get("parameters"), dict) else {}
    missing = [n for n in BASE if not _number(parameters.get(n))]
    wrong = [n for n in NAMES[len(BASE):] if n in parameters and not _number(parameters[n])]
    if missing or wrong or fit.get("form") not in FORMS:
        raise RepauditError(f"{source}: not a fitted residence model (needs form {' or '.join(FORMS)} and "
                            f"numeric parameters {', '.join(BASE)}, optionally {', '.join(NAMES[len(BASE):])}; "
                            f"missing or not numbers: {', '.join(missing + wrong)})")
    steep = [n for n in DEMAND if abs(parameters.get(n, 0.0)) > DEMAND_LIMIT]
    if steep:
        raise RepauditError(f"{source}: implausible state-school participation term {', '.join(steep)} (more than "
                            f"{DEMAND_LIMIT:g} in absolute value: the pupils of an LSOA would change by more than "
                            f"e^{DEMAND_LIMIT:g} times over the range of IDACI)")
    return fit


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def theta(fit: dict) -> np.ndarray:
    """FIT's parameters in the order of NAMES; a term the fit leaves out (an older fit file) is 0."""
    return np.array([float(fit["parameters"].get(n, 0.0)) for n in NAMES], dtype=float)


def _deprivation(idaci, count: int) -> np.ndarray:
    """IDACI scores (0 when none are given); a missing score counts as the mean of the rest."""
    dep = np.zeros(count) if idaci is None else np.asarray(idaci, dtype=float)
    if np.isnan(dep).any():
        dep = np.where(np.isnan(dep), np.nanmean(dep) if (~np.isnan(dep)).any() else 0.0, dep)
    return dep


def design(dist_m, roll, selective, faith, form: str, floor_km: float, single_sex=None, idaci=None,
           same_la=None, popularity=None, places_per_roll=None, no_admissions=None) -> np.ndarray:
    """The conditional-logit columns of each (LSOA, school) pair, in the order of PAIR_NAMES. SINGLE_SEX
    (school), IDACI (the LSOA's score, 0-1) and SAME_LA (the school is in the LSOA's local authority) default
    to none, 0 and none; a missing IDACI counts as the mean of the rest. The log_decay columns are
    -log(max(d, floor_km)) by kind of school whatever the form: beside the exponential form's -d they make
    the decay exp(-a d) x d^-b (under the power form they repeat the decay columns and stay 0). POPULARITY,
    PLACES_PER_ROLL and NO_ADMISSIONS (school columns from applications and offers, `admissions_terms`;
    default 0) give the attraction terms popularity and places_per_roll, popularity's change of the decay
    rate (decay_popularity) and the indicator of a school without applications data."""
    d = np.maximum(np.asarray(dist_m, dtype=float) / KM, floor_km)
    log_d = np.log(d)
    g = d if form == "exponential" else log_d
    sel = np.asarray(selective, dtype=bool)
    fai = np.asarray(faith, dtype=bool) & ~sel              # a selective faith school counts as selective
    other = ~sel & ~fai
    single = np.zeros(len(d), dtype=bool) if single_sex is None else np.asarray(single_sex, dtype=bool)
    dep = _deprivation(idaci, len(d))
    home = np.zeros(len(d), dtype=bool) if same_la is None else np.asarray(same_la, dtype=bool)
    pop, per_roll, none = (np.zeros(len(d)) if v is None else np.asarray(v, dtype=float)
                           for v in (popularity, places_per_roll, no_admissions))
    return np.column_stack([np.log(np.maximum(np.asarray(roll, dtype=float), 1.0)), sel, fai,
                            -g * other, -g * sel, -g * fai, single, -g * single,
                            dep * sel, dep * fai, dep * single,
                            -g * dep, home, dep * dep * sel,
                            -log_d * other, -log_d * sel, -log_d * fai,
                            pop, -g * pop, per_roll, none]).astype(float)


def admissions_terms(schools: pd.DataFrame, demand: pd.DataFrame | None) -> pd.DataFrame:
    """SCHOOLS (urn, roll) with the columns of ADMISSIONS from DEMAND (urn, places, times_first: one entry
    year of applications and offers, demand.school_demand; None: nothing loaded): popularity
    log((times put first + 1) / (places offered + 1)), places_per_roll log(places offered / roll). A school
    without them (no row, no places) takes the median of the schools with them and no_admissions 1."""
    known = pd.DataFrame(columns=["urn", "places", "times_first"]) if demand is None else demand
    known = known[(known["places"] > 0) & known["times_first"].notna()]
    out = schools[["urn", "roll"]].merge(known[["urn", "places", "times_first"]], on="urn", how="left")
    places = out["places"].astype(float)
    out["popularity"] = np.log((out["times_first"].astype(float) + 1) / (places + 1))
    out["places_per_roll"] = np.log(places / np.maximum(out["roll"].astype(float), 1.0))
    out["no_admissions"] = places.isna().astype(float)
    for column in ("popularity", "places_per_roll"):
        middle = out.loc[out["no_admissions"] == 0, column].median()
        out[column] = out[column].fillna(0.0 if pd.isna(middle) else middle)
    return schools.assign(**{c: out[c].to_numpy() for c in ADMISSIONS})


def admissions(con, year: int | None = None) -> tuple[pd.DataFrame | None, int | None]:
    """(urn, places, times_first, ...) of entry YEAR (default the latest) of the secondary applications and
    offers loaded (`repaudit load admissions`), and that year; (None, None) when none are loaded."""
    demand, found, _ = school_demand(con, "Secondary", year)
    if year is not None and (demand is None or demand.empty):
        raise RepauditError(f"no secondary applications and offers for entry year {year} in the warehouse; load "
                            "the school-level file with `repaudit load admissions FILE` or leave admissions_year "
                            "out (the latest loaded year)")
    return demand, found


def opened_since(con, year: int, then: pd.DataFrame | None = None) -> set[int]:
    """URNs with secondary applications and offers in the latest entry year loaded but none in entry YEAR (a
    converter counting its predecessor's rows): schools that did not yet admit pupils in YEAR. THEN: YEAR's
    demand when the caller has already read it (`admissions`)."""
    latest, found = admissions(con)
    if latest is None or found == year:
        return set()
    then = admissions(con, year)[0] if then is None else then
    return set(latest["urn"]) - set(then["urn"])


def demand(idaci, count: int) -> np.ndarray:
    """The LSOA columns of log state-school demand per child, in the order of DEMAND: IDACI and IDACI^2
    (a missing score counts as the mean of the rest)."""
    dep = _deprivation(idaci, count)
    return np.column_stack([dep, dep * dep]).astype(float)


def shares(group: np.ndarray, utility: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p = exp(u) / sum of exp(u) within each GROUP (an LSOA's choice set; GROUP sorted, holding 0..G-1)
    and log p."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    top = np.maximum.reduceat(utility, starts)[group]
    e = np.exp(utility - top)
    log_p = utility - top - np.log(np.add.reduceat(e, starts)[group])
    return np.exp(log_p), log_p


def choice_pairs(con, schools: str, lsoas: str, k: int, selective_km: float, out: str = "audit_choice") -> None:
    """Table OUT(lsoa, urn, dist): each LSOA's choice set. SCHOOLS: a SELECT of urn, easting, northing,
    selective; LSOAS: a SELECT of lsoa, easting, northing. The k nearest schools of every LSOA, plus every
    selective school within selective_km (grammar schools draw from far wider areas)."""
    sources = f"""select lsoa as src, 'x' as grp, easting, northing, {float(k)} as need, {60 * KM} as max_dist
                  from ({lsoas})"""
    targets = f"select urn::varchar as tgt, 'x' as grp, easting, northing, 1.0 as weight from ({schools})"
    neighbours.nearest(con, sources, targets, count_mode=True, first_radius=3 * KM, out="audit_choice_near")
    far = f"""select lsoa as src, 'x' as grp, easting, northing, null::double as need,
                     {float(selective_km) * KM} as max_dist from ({lsoas})"""
    grammar = f"""select urn::varchar as tgt, 'x' as grp, easting, northing, 1.0 as weight
                  from ({schools}) where selective"""
    neighbours.nearest(con, far, grammar, count_mode=True, first_radius=float(selective_km) * KM,
                       out="audit_choice_far")
    con.execute(f"""create or replace temp table {out} as
        select src as lsoa, tgt::integer as urn, min(dist) as dist
        from (select * from audit_choice_near union all select * from audit_choice_far)
        group by all""")
    con.execute("drop table if exists audit_choice_near")
    con.execute("drop table if exists audit_choice_far")


def pair_frame(con, places: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """The pairs of the choice set audit_choice (gravity.choice_pairs) with what the model reads: lsoa, urn,
    dist, roll, selective, faith, single_sex, idaci, same_la, children and the school columns EXTRA. PLACES:
    a table of the schools (urn, la, roll, selective, faith, single_sex and EXTRA). An LSOA's local authority
    is the one most schools of its district (ONS lookup, through the schools' own LSOAs) belong to; unknown,
    same_la is false."""
    return con.execute(f"""
        with school_district as (
            select s.la, l.lad_code, count(*) as n
            from audit_schools s
            join (select lsoa21 as lsoa, lad_code from lsoa_lookup
                  union select lsoa11, lad_code from lsoa_lookup) l on l.lsoa = s.lsoa
            where s.la is not null and l.lad_code is not null
            group by all
        ),
        district_la as (
            select lad_code, la from school_district
            qualify row_number() over (partition by lad_code order by n desc, la) = 1
        )
        select p.lsoa, p.urn, p.dist, s.roll, s.selective, s.faith, s.single_sex, a.idaci,
               coalesce(s.la = d.la, false) as same_la, a.pop_secondary as children{"".join(", s." + c for c in extra)}
        from audit_choice p join {places} s on s.urn = p.urn
        join audit_lsoa_areas a on a.lsoa = p.lsoa
        left join district_la d on d.lad_code = a.lad_code""").df()


def pair_design(pairs: pd.DataFrame, form: str, floor_km: float) -> np.ndarray:
    """`design` of a PAIRS frame (single_sex, idaci and same_la columns optional)."""
    return design(pairs["dist"], pairs["roll"], pairs["selective"], pairs["faith"], form, floor_km,
                  *(pairs[c] if c in pairs else None for c in ("single_sex", "idaci", "same_la") + ADMISSIONS))


def pair_demand(pairs: pd.DataFrame) -> np.ndarray:
    """`demand` of a PAIRS frame (each pair carries its LSOA's IDACI; none: no deprivation term)."""
    return demand(pairs["idaci"] if "idaci" in pairs else None, len(pairs))


def predict(pairs: pd.DataFrame, fit: dict) -> pd.DataFrame:
    """PAIRS (lsoa, urn, dist, roll, selective, faith, single_sex, idaci, same_la, children) -> lsoa, urn,
    share p(s | l), pupils (children x exp(demand) x share) under FIT."""
    if pairs.empty:
        return pairs.assign(share=[], pupils=[])[["lsoa", "urn", "share", "pupils"]]
    pairs = pairs.sort_values(["lsoa", "urn"], kind="stable").reset_index(drop=True)
    group = pd.factorize(pairs["lsoa"])[0]
    t = theta(fit)
    p, _ = shares(group, pair_design(pairs, fit["form"], fit["floor_km"]) @ t[:len(PAIR_NAMES)])
    children = pairs["children"].to_numpy(dtype=float) * np.exp(pair_demand(pairs) @ t[len(PAIR_NAMES):])
    return pairs.assign(share=p, pupils=children * p)[["lsoa", "urn", "share", "pupils"]]
