"""One school's card: its result for every indicator under the chosen community model, how many of the
public community models put it below its community, its result under each of them, its rank among the
schools of its LA and phase, and what else the warehouse would need for a fuller picture.

The card audits the school's LA and phase once per public model (communities still reach across the LA
boundary, as in any filtered audit), so its figures are those `repaudit audit --la LA --phase PHASE` gives."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import describe, names, plain
from ..auditing import models, robustness, scope
from ..auditing.run import audit
from ..disclosure import for_sharing
from ..errors import RepauditError
from ..safe_text import strip_control
from ..simulate.whatif import sentence

SCHOOL_FIELDS = ("urn", "name", "la", "la_name", "region", "phase", "type", "trust", "selective", "faith")
MODEL_COLUMNS = ["community_model", "indicator", "status", "exclusion_reason", "pupils", "school_rate",
                 "community_rate", "gap_pp", "flag", "shortfall"]


@dataclass
class Card:
    """What a school's card shows (see the module docstring)."""

    school: dict
    community: str
    records: list                      # the chosen model's rows of the school, one dict per indicator
    models: pd.DataFrame               # every public model's row of the school per indicator (MODEL_COLUMNS)
    not_run: dict                      # model -> why the data do not allow it
    peers: dict                        # indicator -> audited schools of its LA and phase
    meta: dict
    missing: list = field(default_factory=list)
    rank_scope: str = "audited schools in its local authority and phase"
    trends: dict = field(default_factory=dict)   # indicator -> {"years": [(year, gap pp)], "summary": {...}}
    wwit: list = field(default_factory=list)   # what would it take: see the section at the end

    @property
    def rows(self) -> pd.DataFrame:
        """The chosen model's rows of the school as a table."""
        return pd.DataFrame(self.records)


def _choices(schools: pd.DataFrame) -> list[names.Choice]:
    return [names.Choice(str(int(r.urn)), str(r.name), detail=f"{r.la_name or r.la or 'LA not known'}, "
                                                              f"{r.phase or 'phase not known'}")
            for r in schools.itertuples(index=False) if pd.notna(r.name)]


def find_school(con, query) -> dict:
    """The school QUERY names (a URN, or a name in any case or a unique start of one), as a dict of
    SCHOOL_FIELDS plus scope_reason: among the schools an audit covers first (so "Varndean" is the school, not
    the sixth-form college), then among every school the warehouse holds; an error listing the matches or
    the closest names."""
    schools = con.execute("select * from audit_schools order by urn").df()
    audited = schools[schools["scope_reason"].isna()]
    try:
        found = names.find(str(query), _choices(audited), "school")
    except RepauditError:
        found = names.find(str(query), _choices(schools), "school")
    row = schools[schools["urn"] == int(found.code)].iloc[0]
    return {**{k: (None if k not in row or pd.isna(row[k]) else row[k]) for k in SCHOOL_FIELDS},
            "scope_reason": row.get("scope_reason")}


LOAD_YEARS = ("load the January census of other years (`repaudit load census FILE...`, one file per release) to "
              "see whether the school is moving; `repaudit trend` then shows every school's series")


def _census_years(wh, indicator: str = "fsm") -> int:
    return wh.con.execute("select count(distinct year) from school_indicators where indicator = ?",
                          [indicator]).fetchone()[0]


def missing_data(wh, trends_shown: bool = False) -> list[str]:
    """What the card cannot show with this warehouse, and how to add it."""
    out = []
    if not trends_shown and _census_years(wh) < 2:
        out.append(f"trend: not loaded, only one census year of FSM is in the warehouse; {LOAD_YEARS}")
    tables = {r[0] for r in wh.con.execute("select table_name from duckdb_tables()").fetchall()}
    if "school_admissions" not in tables or not wh.count("school_admissions"):    # older warehouses lack it
        out.append("admissions demand: no applications and offers are loaded, so whether the school is "
                   "oversubscribed (and so whether an admissions priority could change its intake) is not shown")
    return out


def school_trends(wh, school: dict, indicators, community: str, params=None) -> dict:
    """{indicator: {"years": [(year, gap pp)], "summary": the school's row of repaudit.trends}} for the
    published INDICATORS with at least two census years loaded, under the card's community model and over the
    school's LA and phase (as `repaudit trend --la LA --phase PHASE` gives it)."""
    from ..auditing.indicators import INDICATORS
    from ..trends import trend
    wanted = [i for i in indicators if i in INDICATORS and not INDICATORS[i].private and _census_years(wh, i) >= 2]
    if not wanted:
        return {}
    result = trend(wh, indicators=wanted, community=community, params=params, la=school["la"], phase=school["phase"])
    urn = int(school["urn"])
    out = {}
    for row in result.schools[result.schools["urn"] == urn].to_dict("records"):
        years = result.years[(result.years["urn"] == urn) & (result.years["indicator"] == row["indicator"]) &
                             result.years["in_series"].astype(bool)].sort_values("year")
        if len(years) >= 2:
            out[row["indicator"]] = {"years": [(int(y), float(g)) for y, g in zip(years["year"], years["gap_pp"])],
                                     "summary": row}
    return out


def trend_line(trend: dict) -> str:
    """'Trend (gap each census year): 2021 -20.1 pp, 2022 -21.0 pp, 2023 -19.4 pp; change +0.7 pp (95% interval
    -2.1 to +3.5): no change beyond year-to-year noise.'"""
    s = trend["summary"]
    years = ", ".join(f"{y} {g:+.1f} pp" for y, g in trend["years"])
    change = "" if plain.missing(s.get("change_pp")) else \
        f"; change {float(s['change_pp']):+.1f} pp (95% interval {float(s['change_95_low_pp']):+.1f} to " \
        f"{float(s['change_95_high_pp']):+.1f})"
    breaks = f" Note: {s['definition_breaks']}." if isinstance(s.get("definition_breaks"), str) and \
        s["definition_breaks"] else ""
    return f"Trend (gap in each census year, same community model): {years}{change}: {s.get('trend')}.{breaks}"


def school_card(wh, query, community: str | None = None, params=None, unsuppressed: bool = False,
                simulation=None) -> Card:
    """The card of the school QUERY names (see find_school), under COMMUNITY (default: the audit's default);
    SIMULATION: folder of a `simulate --what-would-it-take` run (default output/simulate)."""
    community = community or models.DEFAULT
    con = wh.con
    scope.prepare(con)
    school = find_school(con, query)
    if school["phase"] not in scope.PHASES:
        raise RepauditError(f"{school['name']} ({school['urn']}) is not a primary or secondary school "
                            f"({school.get('scope_reason') or 'phase not known'}): it has no card")
    filters = dict(indicators="all", la=school["la"], phase=school["phase"], params=params)
    chosen = audit(wh, community=community, robustness=True, **filters)
    results, not_run = {community: chosen}, {}
    for name in models.public_names():
        if name == community or school["phase"] not in models.MODELS[name].phases:
            continue
        try:
            results[name] = audit(wh, community=name, **filters)
        except RepauditError as exc:
            not_run[name] = str(exc)
    shared = {name: for_sharing(r, unsuppressed) for name, r in results.items()}
    urn = int(school["urn"])
    rows = shared[community].schools
    rows = rows[rows["urn"] == urn].reset_index(drop=True)
    per_model = pd.concat([r.schools.loc[r.schools["urn"] == urn, MODEL_COLUMNS] for r in shared.values()],
                          ignore_index=True)
    audited = shared[community].schools
    peers = audited[audited["status"] == "audited"].groupby("indicator")["urn"].nunique().to_dict()
    trends = school_trends(wh, school, list(rows["indicator"]), community, params)
    return Card(school, community, rows.to_dict("records"), per_model, not_run, peers, shared[community].meta,
                missing_data(wh, bool(trends)), trends=trends, wwit=what_would_it_take_lines(school, simulation))


def from_result(shared, urn: int, rank_scope: str) -> Card:
    """The card of school URN from an audit result that has been through disclosure control (a site's
    national audit): its rows under the result's model, with the across-model counts the result carries."""
    return next(cards_from_result(shared, [urn], rank_scope))


def cards_from_result(shared, urns, rank_scope: str, missing=()):
    """The cards of the schools URNS (as from_result gives each), reading the result's rows once rather than
    searching it for every card (a national site has thousands); MISSING says what the warehouse lacks."""
    audited = shared.schools[shared.schools["status"] == "audited"]
    peers = audited.groupby("indicator")["urn"].nunique().to_dict()
    by_urn: dict[int, list] = {}
    for record in shared.schools[shared.schools["urn"].isin(list(urns))].to_dict("records"):
        by_urn.setdefault(int(record["urn"]), []).append(record)
    for urn in urns:
        records = by_urn[int(urn)]
        first = records[0]
        school = {k: (None if k not in first or plain.missing(first[k]) else first[k]) for k in SCHOOL_FIELDS}
        yield Card(school, str(shared.meta.get("community_model")), records, pd.DataFrame(columns=MODEL_COLUMNS),
                   {}, peers, shared.meta, list(missing), rank_scope)


def _rank_text(row, peers: int, scope: str) -> str | None:
    rank = row.get("rank")
    if plain.missing(rank):
        return None
    text = f"rank {int(rank):,} of {peers:,} {scope} (1 = least representative)"
    low, high = row.get("rank_low"), row.get("rank_high")
    if not plain.missing(low) and not plain.missing(high) and int(low) != int(high):
        text += f"; 95% interval {int(low):,} to {int(high):,}"
    return text


def indicator_lines(card: Card, row) -> list[str]:
    """The card's sentences for one indicator row of the chosen model."""
    ind = row["indicator"]
    if row.get("status") != "audited":
        return [f"Not audited: {row.get('exclusion_reason') or 'no reason given'}."]
    lines = [plain.school_sentence(row, ind), plain.flag_words(row.get("flag")).capitalize() + "."]
    across = robustness.words(row)
    if across:
        low, high = row.get("gap_min_pp"), row.get("gap_max_pp")
        span = "" if plain.missing(low) or plain.missing(high) or int(row["models_run"]) < 2 else \
            f" (gap {float(low):+.1f} to {float(high):+.1f} pp)"
        lines.append(across[0].upper() + across[1:] + span + ".")
    rank = _rank_text(row, card.peers.get(ind, 0), card.rank_scope)
    if rank:
        lines.append(rank[0].upper() + rank[1:] + ".")
    if ind in card.trends:
        lines.append(trend_line(card.trends[ind]))
    return lines


def model_table(card: Card, indicator: str) -> list[dict]:
    """One row per model run for INDICATOR: model, community %, gap pp, the flag in words (or why not audited)."""
    out = []
    if card.models.empty:
        return out
    for r in card.models[card.models["indicator"] == indicator].to_dict("records"):
        audited = r["status"] == "audited"
        out.append({"model": r["community_model"], "chosen": r["community_model"] == card.community,
                    "community": plain.pct(r["community_rate"]) if audited else "",
                    "gap": "" if not audited or plain.missing(r["gap_pp"]) else f"{float(r['gap_pp']):+.1f}",
                    "flag": plain.flag_words(r["flag"]) if audited else f"not audited: {r['exclusion_reason']}"})
    return out


def heading(card: Card) -> str:
    s = card.school
    kind = ", ".join(x for x in (s.get("phase"), s.get("type"), "selective" if s.get("selective") else None,
                                 "faith" if s.get("faith") else None) if x)
    return f"{plain.name_case(s['name'])} (URN {s['urn']}): {kind}; {s.get('la_name') or s.get('la')}" + \
        (f"; {plain.name_case(s['trust'])}" if s.get("trust") else "")


def card_text(card: Card) -> str:
    """The card as plain text for the terminal."""
    out = [heading(card), f"Community model: {card.community} ({describe.model_text(card.community)}). "
                          f"Years: {describe.years_by_indicator_text(card.meta)}.", ""]
    for row in card.records:
        ind = row["indicator"]
        out.append(describe.indicator_label(ind))
        out += [f"  {line}" for line in indicator_lines(card, row)]
        table = model_table(card, ind)
        if len(table) > 1:
            width = max(len(t["model"]) for t in table) + 2
            out.append("  Under each community model:")
            out += [f"    {('* ' if t['chosen'] else '  ') + t['model']:<{width + 2}} community {t['community']:>6}  "
                    f"gap {t['gap']:>6}  {t['flag']}" if t["community"] else
                    f"    {('* ' if t['chosen'] else '  ') + t['model']:<{width + 2}} {t['flag']}" for t in table]
        out.append("")
    if card.not_run:
        out.append("Models the data do not allow: " + "; ".join(f"{k} ({v})" for k, v in card.not_run.items()))
    out += [f"Not shown: {m}." for m in card.missing]
    if card.wwit:
        out += ["", "What would it take (admissions simulator)", *[f"  {line}" for line in card.wwit]]
    return "\n".join(out).rstrip() + "\n"


def card_page(card: Card, nav: dict | None = None) -> str:
    """The card as a self-contained HTML page (fixed, autoescaped template; every name is data)."""
    from .build import _env
    banners = ["Synthetic data: made up for demonstration, not a real school."] if card.meta.get("synthetic") else []
    return _env().get_template("card.html").render(
        title=f"{plain.name_case(card.school['name'])}: how representative is its intake?",
        name=plain.name_case(card.school["name"]),
        subtitle=heading(card), banners=banners, community=card.community,
        model_words=describe.model_text(card.community), years=describe.years_by_indicator_text(card.meta),
        indicators=[{"label": describe.indicator_label(r["indicator"]), "lines": indicator_lines(card, r),
                     "models": model_table(card, r["indicator"])} for r in card.records],
        not_run="; ".join(f"{k} ({v})" for k, v in card.not_run.items()), missing=card.missing,
        sources=describe.vintage_text(card.meta) or "not stated", nav=nav, wwit=card.wwit)


# --- What would it take: the simulator's smallest FSM reserve for this school (simulate/whatif.py) ---------------

WWIT_FILE = "what_would_it_take.csv"
WWIT_FOLDER = Path("output/simulate")           # where `repaudit simulate` writes by default


def what_would_it_take_lines(school: dict, folder=None) -> list[str]:
    """The school's row of a `repaudit simulate --what-would-it-take` result in FOLDER, as the simulator's
    sentence (rebuilt from the figures, so no text of the file is shown as it stands but the names), or the
    command that computes it."""
    urn, la = int(school["urn"]), school.get("la_name") or school.get("la") or "its LA"
    path = Path(folder or WWIT_FOLDER) / WWIT_FILE
    command = (f'repaudit simulate --policy baseline --synthetic --la "{strip_control(str(la))}" '
               f"--what-would-it-take {urn} --runs 20 --out {path.parent}")
    if path.is_file():
        try:
            table = pd.read_csv(path)
            found = table[pd.to_numeric(table["urn"], errors="coerce") == urn]
            if len(found):
                row = {k: (strip_control(v) if isinstance(v, str) else v) for k, v in found.iloc[0].to_dict().items()}
                return [f"The simulator's figures (policy {row.get('policy')}, {path}): {sentence(row)}"]
        except (OSError, ValueError, KeyError, TypeError, pd.errors.ParserError) as exc:
            return [f"{path} could not be read ({type(exc).__name__}); to compute it again run: {command}"]
    return [f"Not computed for this school yet: the smallest FSM reserve (% of places) that would bring its FSM "
            f"intake to its community's share, and which school would lose FSM pupils. Run: {command}"]
