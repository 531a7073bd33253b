"""Fit the `fitted` community model (repaudit/auditing/gravity.py) to observed residence flows by maximum
likelihood, cross-validate it, and write the parameters with how and how well they were fitted.

    .venv/bin/python bench/fit_residence_model.py WAREHOUSE [--out repaudit/auditing/residence_fit.json]
        [--forms exponential power] [--random-folds] [--variants NAME ...] [--cache DIR] [--compare-only] [--k K]

--cache DIR keeps the prepared (LSOA, school) pairs as parquet and each variant's fits in DIR, so a later
run on the same warehouse skips both; --compare-only stops after the held-out log-likelihoods (no audits).

WAREHOUSE holds the national files (tests/real_files.py NATIONAL_FILES: GIAS and links, SPC, LSOA lookup,
2021 population-weighted centroids, Census 2021 population, IoD2019 IDACI) and the flows to fit on, e.g.
    repaudit load flows --year 2014 gla_london_schools_atlas_sec_school_to_lsoa_2016_part_a.csv.gz
(the London Schools Atlas: January 2015 census, all year groups, flows under 3 pupils suppressed).

Likelihood: school-side conditional. Given the competition term (each LSOA's choice set), the home LSOA
of a pupil of school s is l with probability m_l p(s | l) / sum_l' m_l' p(s | l'), m_l the LSOA's
state-school pupils (children x exp(demand), gravity.demand); the log-likelihood sums n_ls log of that
over the observed flows. Suppressed flows (< 3 pupils) are absent, so the far tail of each school is
under-counted. Schools opened since January 2015 with no predecessor are left out of the choice sets, as
they did not exist when the flows were counted: by GIAS open date where the file has one, and schools with
applications and offers in the latest entry year but none in --admissions-year (entry 2014/15 by default,
the nearest the Atlas). That year's applications and offers also give the popularity and places terms
(national runs read the latest year loaded); rolls are today's. The fit is warm-started from the best
variant fitted so far.

Held out: every school of one borough at a time (the model is meant for boroughs not in the file), and
with --random-folds five random folds of schools as well. The form (power or exponential decay, compared
with the first variant; the exponential form won, -4.690 against -4.737 per pupil, when both were compared
without the single-sex and deprivation terms, so only it is compared unless asked) and then the variant
(which of the single-sex, deprivation, participation, same-LA, decay x IDACI, power distance, popularity and
places terms are free; the
others are 0) are chosen on the held-out log-likelihood of the borough folds, never on the audit figures;
those are reported as they come: the community FSM rate and the gap of each held-out school under the
model against the residence-based ones (`--community flows` on the same flows), overall, by kind of
school, by band of residence-based FSM rate and by borough (and by random fold). No school's own intake
(its FSM or SEN rate) enters the model.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import repaudit  # noqa: E402
from repaudit.auditing import gravity, scope  # noqa: E402
from repaudit.auditing.relations import materialise  # noqa: E402
from repaudit.warehouse import Warehouse  # noqa: E402

K, SELECTIVE_KM, FLOOR_KM = 30, 30.0, 0.5
ADMISSIONS_YEAR = 2014                     # entry 2014/15: the entry year nearest the Atlas (January 2015)
FLOWS_FROM = "2015-01-31"                  # the Atlas census date: schools opened later did not compete


def _variant(base: np.ndarray, extra: tuple[str, ...] = ()) -> np.ndarray:
    """Free parameters -> all of gravity.NAMES: BASE maps onto the six base terms, each EXTRA term is free
    on its own, the other extra terms are 0."""
    names = gravity.NAMES[len(gravity.BASE):]
    m = np.zeros((len(gravity.NAMES), base.shape[1] + len(extra)))
    m[:len(gravity.BASE), :base.shape[1]] = base
    for j, name in enumerate(extra):
        m[len(gravity.BASE) + names.index(name), base.shape[1] + j] = 1.0
    return m


SINGLE = ("single_sex", "decay_single_sex")
DEPRIVATION = ("selective_idaci", "faith_idaci")
KINDS = SINGLE + DEPRIVATION + ("single_sex_idaci",)
PARTICIPATION = ("demand_idaci",)
POWER = ("log_decay", "log_decay_selective", "log_decay_faith")
CURRENT = KINDS + PARTICIPATION + ("same_la",) + POWER


def _tied(m: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """M with one more free parameter shared by the terms NAMES (one coefficient for all of them)."""
    column = np.zeros((m.shape[0], 1))
    column[[gravity.NAMES.index(n) for n in names], 0] = 1.0
    return np.hstack([m, column])


VARIANTS = {                               # free parameters -> the terms of gravity.NAMES
    "power x kind, popularity": _variant(np.eye(6), CURRENT + ("popularity", "no_admissions")),
    "power x kind, popularity x decay": _variant(np.eye(6), CURRENT + ("popularity", "decay_popularity",
                                                                       "no_admissions")),
    "power x kind, places": _variant(np.eye(6), CURRENT + ("places_per_roll", "no_admissions")),
    "power x kind, places, popularity x decay": _variant(np.eye(6), CURRENT + ("places_per_roll", "popularity",
                                                                               "decay_popularity", "no_admissions")),
    "all terms": _variant(np.eye(6), KINDS + PARTICIPATION + ("demand_idaci2", "decay_idaci", "same_la",
                                                              "selective_idaci2")),
    "kinds, participation, decay x IDACI, same LA": _variant(np.eye(6), KINDS + PARTICIPATION + ("decay_idaci",
                                                                                                  "same_la")),
    "kinds, participation, decay x IDACI": _variant(np.eye(6), KINDS + PARTICIPATION + ("decay_idaci",)),
    "kinds, participation, same LA, power x kind": _variant(np.eye(6), KINDS + PARTICIPATION + ("same_la",)
                                                            + POWER),
    "kinds, participation, same LA, power": _tied(_variant(np.eye(6), KINDS + PARTICIPATION + ("same_la",)), POWER),
    "kinds, participation, same LA": _variant(np.eye(6), KINDS + PARTICIPATION + ("same_la",)),
    "kinds, participation (quadratic)": _variant(np.eye(6), KINDS + PARTICIPATION + ("demand_idaci2",)),
    "kinds, participation": _variant(np.eye(6), KINDS + PARTICIPATION),
    "type-specific, single-sex, deprivation": _variant(np.eye(6), KINDS),
    "type-specific, deprivation": _variant(np.eye(6), DEPRIVATION),
    "type-specific, single-sex": _variant(np.eye(6), SINGLE),
    "type-specific": _variant(np.eye(6)),
}
BANDS = [(0, 10), (10, 20), (20, 30), (30, 40), (40, 101)]


def prepare(con, k: int = K, admissions_year: int | None = ADMISSIONS_YEAR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs: gravity.pair_frame's columns; observed: lsoa, urn, n) for the LSOAs whose choice set (the K
    nearest schools and the selective ones within SELECTIVE_KM) holds a school with flows. Leaves the table
    fit_schools (urn, la, la_name, selective, faith, single_sex, ...)."""
    newer = sorted(gravity.opened_since(con, admissions_year) if admissions_year else ()) or [-1]
    scope.prepare(con, False)
    materialise(con, "audit_lsoa_crosswalk", "lsoa_crosswalk")
    materialise(con, "audit_lsoa_areas", "lsoa_areas")
    materialise(con, "audit_flows", "flows_current")
    con.execute(f"""create or replace temp table fit_schools as
        select s.urn, s.easting, s.northing, s.roll, s.selective, s.faith, s.single_sex, s.la, s.la_name
        from audit_schools s left join schools g on g.urn = s.urn
        where s.phase = 'secondary' and s.scope_reason is null and s.easting is not null and s.roll > 0
          and s.urn not in ({', '.join(map(str, newer))})
          and not (coalesce(g.open_date, date '1900-01-01') > date '{FLOWS_FROM}'
                   and s.urn not in (select urn from school_links where link_type ilike 'predecessor%')
                   and s.urn not in (select link_urn from school_links where link_type ilike 'successor%'))""")
    gravity.choice_pairs(con, "select urn, easting, northing, selective from fit_schools",
                         "select lsoa, easting, northing from audit_lsoa_areas where pop_secondary > 0",
                         k, SELECTIVE_KM)
    observed = con.execute("""select c.lsoa, f.urn, sum(f.pupils * c.share) as n
                              from audit_flows f join audit_lsoa_crosswalk c on c.code = f.lsoa
                              where f.urn in (select urn from fit_schools) group by all""").df()
    pairs = gravity.pair_frame(con, "fit_schools")
    reached = con.execute("select distinct lsoa from audit_choice where urn in (select urn from audit_flows)").df()
    pairs = pairs[pairs["lsoa"].isin(reached["lsoa"])].reset_index(drop=True)
    return pairs, observed


def cached(con, folder: str | None, k: int = K,
           admissions_year: int = ADMISSIONS_YEAR) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(pairs, observed, schools with flows: urn, la_name, selective, faith, single_sex): `prepare`d, or read
    from FOLDER's parquet files when a previous run wrote them there (they depend only on the warehouse, K and
    the admissions year: use one folder per K and year)."""
    files = [Path(folder) / f"{name}.parquet" for name in ("pairs", "observed", "schools")] if folder else []
    if files and all(f.exists() for f in files):
        return tuple(pd.read_parquet(f) for f in files)
    pairs, observed = prepare(con, k, admissions_year)
    info = con.execute("select urn, la_name, selective, faith, single_sex from fit_schools").df()
    info = info[info["urn"].isin(set(observed["urn"]) & set(pairs["urn"]))].reset_index(drop=True)
    for frame, f in zip((pairs, observed, info), files):
        f.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(f)
    return pairs, observed, info


def with_admissions(con, pairs: pd.DataFrame, year: int) -> pd.DataFrame:
    """PAIRS with each school's admissions terms (gravity.admissions_terms) from entry YEAR's applications and
    offers."""
    demand, _ = gravity.admissions(con, year)
    schools = gravity.admissions_terms(pairs[["urn", "roll"]].drop_duplicates("urn"), demand)
    return pairs.merge(schools.drop(columns="roll"), on="urn", how="left")


class Likelihood:
    """The school-side conditional log-likelihood of the observed flows and its gradient."""

    def __init__(self, pairs: pd.DataFrame, observed: pd.DataFrame, form: str):
        pairs = pairs.sort_values(["lsoa", "urn"], kind="stable").reset_index(drop=True)
        pairs = pairs.merge(observed, on=["lsoa", "urn"], how="left")
        self.n = pairs["n"].fillna(0.0).to_numpy()
        self.g = pd.factorize(pairs["lsoa"])[0]
        self.s, self.school_urns = pd.factorize(pairs["urn"])
        self.x = gravity.pair_design(pairs, form, FLOOR_KM)
        self.z = gravity.pair_demand(pairs)
        self.log_children = np.log(pairs["children"].to_numpy(dtype=float))
        self.groups = self.g.max() + 1
        self.masks = {}

    def _mask(self, schools) -> np.ndarray:
        """The pairs of SCHOOLS, ordered by school (cached per set of schools)."""
        key = frozenset(schools)
        if key not in self.masks:
            chosen = np.isin(self.school_urns, list(key))[self.s]
            index = np.flatnonzero(chosen)
            self.masks[key] = index[np.argsort(self.s[index], kind="stable")]
        return self.masks[key]

    def value(self, theta, schools) -> tuple[float, np.ndarray, float]:
        """(log-likelihood, gradient, pupils) over the flows of SCHOOLS (a set of URNs)."""
        pair = len(gravity.PAIR_NAMES)
        p, log_p = gravity.shares(self.g, self.x @ theta[:pair])
        xbar = np.column_stack([np.bincount(self.g, weights=p * self.x[:, j], minlength=self.groups)
                                for j in range(self.x.shape[1])])
        index = self._mask(schools)
        s, n = self.s[index], self.n[index]
        d = np.hstack([self.x[index] - xbar[self.g[index]], self.z[index]])
        w = self.log_children[index] + self.z[index] @ theta[pair:] + log_p[index]
        starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
        sizes = np.diff(np.r_[starts, len(s)])
        top = np.repeat(np.maximum.reduceat(w, starts), sizes)
        log_z = top + np.log(np.repeat(np.add.reduceat(np.exp(w - top), starts), sizes))
        total = np.repeat(np.add.reduceat(n, starts), sizes)
        q = np.exp(w - log_z)
        ll = float(np.sum(n * (w - log_z)))
        grad = d.T @ n - d.T @ (total * q)
        return ll, grad, float(n.sum())


def bfgs(f, x0, tol=1e-5, steps=200):
    """Minimise F (returns value, gradient) by BFGS with a backtracking line search."""
    x, (fx, gx) = x0.copy(), f(x0)
    h = np.eye(len(x))
    for _ in range(steps):
        direction = -h @ gx
        if gx @ direction >= 0:
            h, direction = np.eye(len(x)), -gx
        t = 1.0
        while True:
            x_new = x + t * direction
            f_new, g_new = f(x_new)
            if np.isfinite(f_new) and f_new <= fx + 1e-4 * t * (gx @ direction):
                break
            t /= 2
            if t < 1e-12:
                return x
        s, y = x_new - x, g_new - gx
        x, fx, gx = x_new, f_new, g_new
        if np.max(np.abs(gx)) < tol:
            break
        if s @ y > 1e-12:
            rho = 1.0 / (s @ y)
            i = np.eye(len(x))
            h = (i - rho * np.outer(s, y)) @ h @ (i - rho * np.outer(y, s)) + rho * np.outer(s, s)
    return x


def fit(lik: Likelihood, schools, variant: str, start=None) -> np.ndarray:
    """Maximum-likelihood parameters (all of gravity.NAMES) over the flows of SCHOOLS, from START."""
    m = VARIANTS[variant]

    def objective(phi):
        ll, grad, pupils = lik.value(m @ phi, schools)
        return -ll / pupils, -(m.T @ grad) / pupils

    start = np.r_[[1.0, 0.0, 0.0, 1.0, 0.5, 0.8], np.zeros(len(gravity.NAMES) - 6)] if start is None else start
    return m @ bfgs(objective, np.linalg.lstsq(m, start, rcond=None)[0])


def standard_errors(lik: Likelihood, theta, schools, variant: str) -> np.ndarray:
    """Naive standard errors (pupils treated as independent) from the finite-difference Hessian."""
    m = VARIANTS[variant]
    phi = np.linalg.lstsq(m, theta, rcond=None)[0]
    grad = lambda v: m.T @ lik.value(m @ v, schools)[1]  # noqa: E731
    eps, hess = 1e-5, np.zeros((len(phi), len(phi)))
    for i in range(len(phi)):
        step = np.zeros(len(phi))
        step[i] = eps
        hess[:, i] = (grad(phi + step) - grad(phi - step)) / (2 * eps)
    cov = np.linalg.inv(-(hess + hess.T) / 2)
    full = m @ cov @ m.T
    return np.sqrt(np.clip(np.diag(full), 0, None))


def folds(schools: pd.DataFrame, seed: int = 0, random: bool = True) -> dict[str, list[tuple[str, set, set]]]:
    """{'borough': [(name, train URNs, test URNs)], 'random': [...] when RANDOM}: held-out sets of schools."""
    everyone = set(schools["urn"])
    by_borough = [(la, everyone - set(g["urn"]), set(g["urn"])) for la, g in schools.groupby("la_name")]
    if not random:
        return {"borough": by_borough}
    order = np.random.default_rng(seed).permutation(sorted(everyone))
    return {"borough": by_borough,
            "random": [(f"random {i + 1}", everyone - set(order[i::5]), set(order[i::5])) for i in range(5)]}


def write_fit(path: Path, form: str, theta, extra: dict | None = None, k: int = K) -> None:
    body = {"form": form, "floor_km": FLOOR_KM, "k": k, "selective_km": SELECTIVE_KM,
            "parameters": dict(zip(gravity.NAMES, map(float, np.round(theta, 6))))}
    path.write_text(json.dumps({**body, **(extra or {})}, indent=2) + "\n", encoding="utf-8")


def community(wh, fit_path: Path, admissions_year: int) -> pd.DataFrame:
    r = repaudit.audit(wh, indicators=["fsm"], community="fitted", phase="secondary",
                       params={"fit": str(fit_path), "admissions_year": admissions_year})
    a = r.audited("fsm")
    return a.set_index("urn")[["community_rate", "gap_pp"]]


def figures(rows: pd.DataFrame) -> dict:
    """Correlation and MAE (pp) of the community rate and the gap, model vs residence, and grammar gaps."""
    if len(rows) < 3:
        return {"schools": len(rows)}
    grammar = rows[rows["selective"]]
    return {"schools": int(len(rows)),
            "rate_correlation": round(float(rows["rate_model"].corr(rows["rate_residence"])), 3),
            "rate_mae_pp": round(float(100 * (rows["rate_model"] - rows["rate_residence"]).abs().mean()), 2),
            "gap_correlation": round(float(rows["gap_model"].corr(rows["gap_residence"])), 3),
            "gap_mae_pp": round(float((rows["gap_model"] - rows["gap_residence"]).abs().mean()), 2),
            "grammar_schools": int(len(grammar)),
            "grammar_mean_gap_pp": round(float(grammar["gap_model"].mean()), 2) if len(grammar) else None,
            "grammar_mean_gap_residence_pp": round(float(grammar["gap_residence"].mean()), 2) if len(grammar) else None}


def subgroups(rows: pd.DataFrame) -> dict:
    """`figures` overall, per kind of school (selective, faith and single-sex overlap; other is none of
    them), per band of residence-based FSM rate and per borough."""
    kinds = {"selective": rows["selective"], "faith": rows["faith"], "single-sex": rows["single_sex"]}
    kinds["other"] = ~(kinds["selective"] | kinds["faith"] | kinds["single-sex"])
    band = pd.cut(100 * rows["rate_residence"], [b[0] for b in BANDS] + [101], right=False,
                  labels=[f"{lo}-{hi}%" if hi < 101 else f"{lo}%+" for lo, hi in BANDS])
    return {"overall": figures(rows),
            "kind": {k: figures(rows[mask.astype(bool)]) for k, mask in kinds.items()},
            "band_of_residence_fsm": {str(k): figures(g) for k, g in rows.groupby(band, observed=True)},
            "borough": {k: figures(g) for k, g in rows.groupby("la_name")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse")
    parser.add_argument("--out", default=str(gravity.FIT_FILE))
    parser.add_argument("--forms", nargs="+", choices=gravity.FORMS, default=["exponential"],
                        help="distance-decay forms to compare (default: exponential)")
    parser.add_argument("--random-folds", action="store_true", help="also hold out five random folds of schools")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS),
                        help="variants to compare (default: all; the first is fitted first)")
    parser.add_argument("--k", type=int, default=K, help=f"nearest schools in each LSOA's choice set (default {K})")
    parser.add_argument("--admissions-year", type=int, default=ADMISSIONS_YEAR,
                        help=f"entry year of applications and offers for the admissions terms (default "
                             f"{ADMISSIONS_YEAR}, i.e. {ADMISSIONS_YEAR}/{ADMISSIONS_YEAR % 100 + 1}, the nearest the Atlas)")
    parser.add_argument("--cache", help="folder for the prepared pairs (parquet), reused when present")
    parser.add_argument("--compare-only", action="store_true",
                        help="print the held-out log-likelihoods and stop (no audits, nothing written)")
    args = parser.parse_args()
    started = dt.datetime.now(dt.timezone.utc)
    wh = Warehouse(args.warehouse, read_only=True)
    pairs, observed, info = cached(wh.con, args.cache, args.k, args.admissions_year)
    pairs = with_admissions(wh.con, pairs, args.admissions_year)
    known = pairs.drop_duplicates("urn")["no_admissions"]
    print(f"applications and offers: entry year {args.admissions_year}/{args.admissions_year % 100 + 1:02d}, "
          f"{int((known == 0).sum())} of {len(known)} schools of the choice sets", flush=True)
    print(f"prepared in {(dt.datetime.now(dt.timezone.utc) - started).total_seconds():.0f} s", flush=True)
    flows_file = wh.con.execute("""select source_file, vintage from load_log where table_name = 'flows'
                                   order by loaded_at desc limit 1""").fetchone()
    inside = observed.merge(pairs[["lsoa", "urn"]], on=["lsoa", "urn"])
    print(f"{len(info)} schools with flows, {observed['n'].sum():,.0f} pupils; "
          f"{100 * inside['n'].sum() / observed['n'].sum():.1f}% of them live in an LSOA whose choice set holds "
          f"their school; {len(pairs):,} (LSOA, school) pairs", flush=True)
    cv = folds(info, random=args.random_folds)
    scores, liks = {}, {}
    full, fold_fits = {}, {}

    done = Path(args.cache) / "scores.json" if args.cache else None   # fits of earlier runs on the same pairs
    earlier = json.loads(done.read_text()) if done and done.exists() else {}

    def score(form, variant):
        key = f"{form} / {variant}"
        if key in earlier:
            full[(form, variant)] = np.array(earlier[key]["full"])
            fold_fits[(form, variant)] = [np.array(t) for t in earlier[key]["folds"]]
        else:
            best = max((k for k in scores if k[0] == form), key=scores.get, default=None)
            began = dt.datetime.now(dt.timezone.utc)
            full[(form, variant)] = fit(liks[form], set(info["urn"]), variant,   # from the best so far
                                        full[best] if best else None)
            print(f"{form} / {variant}: all schools fitted in "
                  f"{(dt.datetime.now(dt.timezone.utc) - began).total_seconds():.0f} s", flush=True)
            fold_fits[(form, variant)] = [fit(liks[form], train, variant, full[(form, variant)])
                                          for _, train, _ in cv["borough"]]
        held = [liks[form].value(theta, test) for theta, (_, _, test) in zip(fold_fits[(form, variant)], cv["borough"])]
        scores[(form, variant)] = sum(h[0] for h in held) / sum(h[2] for h in held)
        if done:
            earlier[key] = {"full": full[(form, variant)].tolist(),
                            "folds": [t.tolist() for t in fold_fits[(form, variant)]]}
            done.write_text(json.dumps(earlier))
        print(f"{form:12s} {variant:45s} held-out (boroughs) log-likelihood per pupil "
              f"{scores[(form, variant)]:.4f}; all schools: " + " ".join(f"{v:.3f}" for v in full[(form, variant)]),
              flush=True)

    for form in args.forms:                    # the form with every parameter free, then the variant
        liks[form] = Likelihood(pairs, observed, form)
        score(form, args.variants[0])
    form = max(args.forms, key=lambda f: scores[(f, args.variants[0])])
    for variant in args.variants:
        if (form, variant) not in scores:
            score(form, variant)
    variant = max((v for f, v in scores if f == form), key=lambda v: scores[(form, v)])
    if args.compare_only:
        print(f"best on held-out log-likelihood: {form}, {variant}")
        return
    lik, everyone = liks[form], set(info["urn"])
    theta = full[(form, variant)]
    se = standard_errors(lik, theta, everyone, variant)
    print(f"chosen: {form}, {variant}: " + ", ".join(f"{n} {v:.4f} (se {s:.4f})"
                                                      for n, v, s in zip(gravity.NAMES, theta, se)), flush=True)
    thetas = {"borough": fold_fits[(form, variant)]}
    random_ll = {}
    if "random" in cv:
        thetas["random"] = [fit(lik, train, variant, theta) for _, train, _ in cv["random"]]
        held = [lik.value(t, test) for t, (_, _, test) in zip(thetas["random"], cv["random"])]
        random_ll = {f"{form} / {variant}": round(sum(h[0] for h in held) / sum(h[2] for h in held), 5)}

    residence = repaudit.audit(wh, indicators=["fsm"], community="flows", phase="secondary").audited("fsm")
    residence = residence.set_index("urn")[["community_rate", "gap_pp"]]
    held_out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scheme, sets in cv.items():
            frames = []
            for i, ((name, train, test), fold_theta) in enumerate(zip(sets, thetas[scheme])):
                path = Path(tmp) / f"{scheme} {i}.json"     # one file per fold: audits are memoised by path
                write_fit(path, form, fold_theta, k=args.k)
                c = community(wh, path, args.admissions_year)
                frames.append(c.loc[c.index.intersection(list(test))])
            model = pd.concat(frames)
            rows = (info.set_index("urn").join(model.rename(columns={"community_rate": "rate_model",
                                                                     "gap_pp": "gap_model"}), how="inner")
                    .join(residence.rename(columns={"community_rate": "rate_residence", "gap_pp": "gap_residence"}),
                          how="inner"))
            held_out[scheme] = subgroups(rows)
            if scheme != "borough":                       # each fold apart too, for a test to recompute one
                held_out[scheme]["fold"] = {name: figures(rows[rows.index.isin(list(test))])
                                            for name, _, test in sets}
            print(scheme, json.dumps(held_out[scheme]["overall"]), flush=True)
    extra = {
        "how": "maximum likelihood, school-side conditional likelihood of each school's pupils' home LSOAs given "
               "the competition term (bench/fit_residence_model.py); form and variant chosen on the held-out "
               "log-likelihood of the borough folds",
        "fitted_on": {"file": flows_file[0] if flows_file else None, "vintage": flows_file[1] if flows_file else None,
                      "schools": len(info), "pupils": round(float(observed["n"].sum())),
                      "admissions_year": args.admissions_year,
                      "note": "GLA London Schools Atlas: January 2015 census, all year groups (not the intake), "
                              "flows under 3 pupils suppressed; rolls from GIAS today; child population Census 2021; "
                              f"popularity and places from applications and offers for entry {args.admissions_year}/"
                              f"{args.admissions_year % 100 + 1:02d} (schools with none then but some in the latest "
                              "year left out, as not yet open); national runs read the latest entry year loaded"},
        "fitted_at": started.date().isoformat(),
        "variant": variant,
        "standard_errors_naive": dict(zip(gravity.NAMES, map(float, np.round(se, 6)))),
        "held_out_log_likelihood_per_pupil": {f"{f} / {v}": round(s, 5) for (f, v), s in scores.items()},
        "held_out_log_likelihood_per_pupil_random_folds": random_ll,
        "held_out": held_out,
        "thresholds": {key: float(np.floor(100 * (held_out["borough"]["overall"][key] - 0.05)) / 100)
                       for key in ("rate_correlation", "gap_correlation")},
        "thresholds_note": "what tests/test_residence_real.py holds a fit on two thirds of the boroughs to, on "
                           "the other third: the borough-held-out correlations less 0.05, rounded down",
    }
    write_fit(Path(args.out), form, theta, extra, args.k)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
