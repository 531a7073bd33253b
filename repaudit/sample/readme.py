"""SYNTHETIC.md: what the sample region is, what each file holds, and which schools were planted."""
from __future__ import annotations

from collections import defaultdict

from .files import SAMPLE_FILES
from .geography import CELL, NX, NY, ORIGIN
from .model import Sample
from .noise import SEED
from .region import LA_CODE, LA_NAME, LA_ONS_CODE, YEARS, academic_year_label

ROLE_TEXT = {"ordinary": "", "planted": "PLANTED", "grammar": "grammar (Selective)", "faith": "faith",
             "special": "special (excluded from the audit)", "independent": "independent (excluded from the audit)"}


def flows_community_fsm(sample: Sample, urn: int, year: int) -> float:
    """FSM rate among all pupils of the phase living where URN's pupils live, weighted by URN's pupils."""
    phase = next(s.phase for s in sample.schools if s.urn == urn)
    same_phase = {s.urn for s in sample.schools if s.phase == phase and s.mainstream}
    pupils, fsm = defaultdict(int), defaultdict(int)
    for (u, k, y), c in sample.intake.flows.items():
        if y == year and u in same_phase:
            pupils[k] += c.pupils
            fsm[k] += c.fsm
    own = {k: c.pupils for (u, k, y), c in sample.intake.flows.items() if u == urn and y == year}
    return sum(n * fsm[k] / pupils[k] for k, n in own.items()) / sum(own.values())


def synthetic_md(sample: Sample) -> bytes:
    geo, last = sample.geo, YEARS[-1]
    x0, y0 = ORIGIN
    lines = [
        f"# {LA_NAME}: the bundled sample region",
        "",
        "**Nothing in this folder is real.** Every school, trust, LSOA, count and boundary here was drawn by",
        "`repaudit/sample/` from a fixed random seed; names end in \"(synthetic)\" and codes use ranges",
        f"no real place uses (LA {LA_CODE} / {LA_ONS_CODE}, URNs 990001..., LSOAs E01990001..., trust UIDs",
        "990101...). The files copy the layouts of the real public files so they load through the same",
        "`repaudit load` sources; use them to try the tool, never to say anything about real schools.",
        "",
        "## The region",
        "",
        f"- {NX * NY} LSOAs: a jittered {NX} x {NY} grid of {CELL / 1000:g} km cells in British National Grid",
        f"  (easting {x0:.0f}-{x0 + NX * CELL:.0f}, northing {y0:.0f}-{y0 + NY * CELL:.0f}); neighbouring polygons share",
        "  vertices exactly, so they tile the area. All LSOAs are unchanged between 2011 and 2021.",
        "- Deprivation (IDACI) is high in an old town centre-west and an estate in the south-east, low in the",
        f"  northern suburbs (IDACI {geo.idaci.min():.3f}-{geo.idaci.max():.3f}).",
        f"- {len(sample.schools)} establishments: 25 open primaries, 8 secondaries, a special school, an independent",
        "  school and one closed primary whose academy successor is linked in the GIAS links file; 3 multi-academy",
        "  trusts and the rest LA-maintained.",
        f"- Academic years {', '.join(academic_year_label(y) for y in YEARS)} (time_period "
        f"{', '.join(f'{y}{(y + 1) % 100:02d}' for y in YEARS)}).",
        "- Each LSOA has an FSM, SEN and CIN rate tied to its IDACI score; pupils go to schools by a gravity",
        "  model (distance decay, school rolls fixed), and each school takes its neighbourhood's disadvantaged",
        "  children in proportion to a bias: 1 for ordinary schools (with noise), below 1 for the grammar, the",
        "  faith schools and the planted schools. School FSM therefore follows neighbourhood IDACI.",
        "",
        "## Planted schools",
        "",
        "These sit in deprived LSOAs but admit far fewer disadvantaged pupils than live around them; their",
        "pupils still come from the deprived neighbourhood (see the flows). The audit should rank them as the",
        "least representative under the nearby-schools, residential and flows models.",
        "",
        f"| URN | school | LSOA | LSOA IDACI | FSM {academic_year_label(last)} | FSM where its pupils live |",
        "|---|---|---|---|---|---|",
    ]
    for s in sample.schools:
        if s.role == "planted":
            c = sample.intake.totals[(s.urn, last)]
            lines.append(f"| {s.urn} | {s.name} | {geo.codes[s.lsoa]} | {geo.idaci[s.lsoa]:.3f} | "
                         f"{100 * c.fsm / c.pupils:.1f}% | {100 * flows_community_fsm(sample, s.urn, last):.1f}% |")
    lines += ["", "## Schools", "", "| URN | name | phase | type | trust | role | pupils (latest census) |",
              "|---|---|---|---|---|---|---|"]
    for s in sample.schools:
        year = max(s.years)
        pupils = sample.intake.totals[(s.urn, year)].pupils
        status = f" (closed {s.close_date})" if s.close_date else ""
        lines.append(f"| {s.urn} | {s.name}{status} | {s.phase} | {s.type_name} | "
                     f"{s.trust.name if s.trust else 'LA-maintained' if s.state_funded else '-'} | "
                     f"{ROLE_TEXT[s.role]} | {pupils} |")
    lines += ["", "Catchments: " + ", ".join(c.school.name for c in sample.catchments)
              + " (the grammar and faith schools admit without one).", "",
              "## Files", "", "| file | `repaudit load` SOURCE | contents |", "|---|---|---|"]
    lines += [f"| {f.name} | {f.source} | {f.what} |" for f in SAMPLE_FILES]
    lines += ["", "## Regenerating", "",
              f"`repaudit sample --out DIR` rewrites these files byte for byte (seed {SEED}); "
              "`repaudit load-sample` loads them.", ""]
    return "\n".join(lines).encode("utf-8")
