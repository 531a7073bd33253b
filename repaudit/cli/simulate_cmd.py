"""`repaudit simulate`: compare an admissions policy with a baseline by deferred acceptance."""
import sys
from pathlib import Path

import click

from ..options import db_option, limits_option
from ..output_guard import check_folder
from ..sources.reader import progress_bars
from ..simulate.choice import Behaviour
from ..simulate.homes import HOMES
from ..simulate.policies import RESERVE_ORDERS, presets
from ..simulate.outputs import summary_text
from ..simulate.run import (DEFAULT_COHORTS, DEFAULT_RUNS, NATIONAL_RUNS, simulate, simulate_national, simulate_sweep,
                            simulate_what_would_it_take)
from ..simulate.whatif import parse_pans
from ..simulate.workers import MAX_JOBS
from . import cli

EPILOG = """\b
Policies (presets, or a TOML file of your own):
  """ + ", ".join(presets()) + """
\b
Reserve processing order (--reserve-order, default: the policy's own setting):
  priority  each reserve band (e.g. FSM up to the city average) is filled at its
            place in the criteria list: after the criteria above it, before those below
  last      open places first, with the bands' places held back; then each band
            fills its places from the applicants left; unused places return to open
            competition (favours the band's group most)
  first     bands before every other criterion, even looked-after children
\b
Applications CSV columns: applicant_id, easting, northing (or lsoa), fsm,
looked_after, [medical_social_urn, sibling_urn, ehcp_urn], pref1 ... prefN
(URNs). Capacities CSV: urn, pan[, name, easting, northing, type].
\b
Writes into --out: schools.csv, areas.csv, summary.csv, allocation.csv,
allocation_baseline.csv, meta.json, map.html, changes.csv (per school: FSM
share, intake, first-preference rate, directed places, distance and part of
the change in D, with intervals), criteria.csv (offers by oversubscription
criterion per school and for the LA), with --facts model_vs_reality.csv and
with --pan pan_whatif.csv.
\b
Examples:
  repaudit simulate --policy brighton-2025 --brighton ../shared/data/real --runs 200
  repaudit simulate --policy fsm-quota --set share=0.2 --applications apps.csv --capacities pans.csv
  repaudit simulate --policy brighton-2025 --reserve-order last --synthetic --la "Brighton and Hove"
  repaudit simulate --policy fsm-quota --synthetic --la all --runs 5 --db output/england.duckdb
  repaudit simulate --policy fsm-quota --synthetic --la Kent --jobs 1 --db output/england.duckdb
  repaudit simulate --policy fsm-quota --synthetic --la Camden --homes across --facts published --db output/england.duckdb
  repaudit simulate --policy brighton-2025 --brighton ../shared/data/real --sweep fsm_response=0:1.5:0.25
  repaudit simulate --policy brighton-2026 --brighton ../shared/data/real --entry-year 2026 --pan 114580=300
  repaudit simulate --policy brighton-2026 --brighton ../shared/data/real --entry-year 2026 --runs 20 --what-would-it-take all
  repaudit simulate --policy baseline --synthetic --la Kent --what-would-it-take "Judd" --runs 20
"""


def _settings(values, option="--set"):
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"'{item}' is not KEY=VALUE", param_hint=option)
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise click.BadParameter(f"'{value}' is not a number", param_hint=option) from None
    return out


def _choice(values):
    """--choice KEY=VALUE or KEY=LOW:HIGH (uncertain: drawn for each cohort)."""
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise click.BadParameter(f"'{item}' is not KEY=VALUE", param_hint="--choice")
        if key not in Behaviour.KEYS:
            raise click.BadParameter(f"unknown choice parameter {key} (known: {', '.join(Behaviour.KEYS)})",
                                     param_hint="--choice")
        try:
            parts = [float(p) for p in value.split(":")]
        except ValueError:
            raise click.BadParameter(f"'{value}' is not a number or LOW:HIGH", param_hint="--choice") from None
        if len(parts) not in (1, 2):
            raise click.BadParameter(f"'{value}' is not a number or LOW:HIGH", param_hint="--choice")
        out[key] = parts[0] if len(parts) == 1 else (parts[0], parts[1])
    return out


@cli.command("simulate", epilog=EPILOG)
@click.option("--policy", required=True, metavar="NAME|FILE", help="Policy to simulate: a preset name or a TOML file.")
@click.option("--baseline", metavar="NAME|FILE",
              help="Policy to compare with [default: the policy's compare_with: brighton-2024 for Brighton's "
                   "presets, else baseline].")
@click.option("--applications", type=click.Path(exists=True, dir_okay=False), help="Applications CSV (see below).")
@click.option("--synthetic", is_flag=True, help="Synthetic applicants for --la from the warehouse.")
@click.option("--la", help="Local authority for --synthetic: name, old code (846) or ONS code (E06000043); "
                            "'all' runs every LA of the warehouse and writes national.csv.")
@click.option("--brighton", "brighton_dir", type=click.Path(exists=True, file_okay=False),
              help="Build the Brighton and Hove scenario from this folder of public files (one holding "
                   "brighton/ and gias/, such as ../shared/data/real, or its brighton/ folder).")
@click.option("--entry-year", type=int, default=2025, show_default=True, help="Entry year of the Brighton scenario.")
@click.option("--capacities", type=click.Path(exists=True, dir_okay=False), help="Capacities CSV: urn, pan.")
@click.option("--first-preferences", type=click.Path(exists=True, dir_okay=False),
              help="CSV of urn, count (and optionally pref2, pref3): calibrate synthetic preferences to "
                   "these first- (and 2nd-, 3rd-) preference counts.")
@click.option("--catchments", "catchment_layer", metavar="LAYER", help="Catchment layer in the warehouse to use.")
@click.option("--homes", type=click.Choice(HOMES),
              help="Where a synthetic LA cohort lives: 'across' (the default) draws each child's home where the first "
                   "preferences of the school it put first come from, on both sides of the LA boundary (with "
                   "applications and offers loaded; else in the LA); 'la' draws every home in the LA (README, 'Demand "
                   "checked against what happened').")
@click.option("--runs", type=int, metavar="N",
              help=f"Lottery runs (Monte Carlo), shared among the cohorts [default: {DEFAULT_RUNS}; "
                   f"{NATIONAL_RUNS} each LA with --la all, whose figures have no intervals].")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the lotteries and synthetic applicants.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="Policy parameter, e.g. share=0.2.")
@click.option("--reserve-order", type=click.Choice(RESERVE_ORDERS), help="Override the policy's reserve order.")
@click.option("--city-fsm-share", type=float, metavar="SHARE",
              help="City FSM share (e.g. 0.31): the Brighton presets' city_fsm_share parameter (default the "
                   "council's published 0.28) and the FSM share of a synthetic cohort.")
@click.option("--choice", "choice", multiple=True, metavar="KEY=VALUE",
              help="Choice model of a synthetic cohort: per_km (distance decay, default 0.6), catchment_bonus "
                   "(1.5), fsm_response (extra utility FSM families give schools where the policy gives them "
                   "priority, default 0); LOW:HIGH for an uncertain value, drawn for each of --cohorts.")
@click.option("--cohorts", type=int, metavar="N",
              help="Synthetic cohorts to draw (seeds SEED, SEED+1, ...); --runs lottery draws are shared among "
                   "them and the intervals are 95% prediction intervals for a fresh cohort [default: "
                   f"{DEFAULT_COHORTS}, the fewest for which, in the coverage check, every Brighton and Kent "
                   "school's interval holds 90% of fresh cohorts on average; 1 for --applications].")
@click.option("--sweep", "sweep_spec", metavar="KEY=START:STOP:STEP",
              help="Run once per value of a policy parameter (share), city_fsm_share or a choice parameter "
                   "(fsm_response, per_km, catchment_bonus); writes sweep.csv and sweep.html.")
@click.option("--facts", type=click.Path(dir_okay=False),
              help="CSV of real outcomes (urn, metric, value[, source]; urn blank for the whole area; metrics "
                   "fsm_share, first_pref_rate, directed, intake) printed as model vs reality; or 'published': "
                   "a synthetic LA's first-preference offers in its demand year (applications and offers) beside "
                   "the baseline's.")
@click.option("--selective-share", type=float, metavar="SHARE",
              help="Share of a synthetic LA's cohort that passes the selection test of its selective (grammar) "
                   "schools [default: their places, or the children who put one first when more (applications and "
                   "offers), over the cohort; printed in the notes].")
@click.option("--pan", "pans", multiple=True, metavar="URN=N",
              help="Admission-number what-if (repeatable): also run the policy with school URN admitting N "
                   "(0 to 2,000) and report its effect on that school, the schools whose intake changes most "
                   "and D (pan_whatif.csv).")
@click.option("--what-would-it-take", "wwit", metavar="URN|NAME|all",
              help="For this school (or every school with 'all'): the smallest FSM reserve (% of its places) that "
                   "brings its FSM intake to its community's share, and who loses the FSM pupils it gains "
                   "(what_would_it_take.csv). Community shares come from an audit of --db when it holds the "
                   "schools, else from the simulated cohort; fewer --runs (e.g. 20) keep it quick.")
@click.option("--truncate-preferences", is_flag=True,
              help="Keep only the first N preferences of applicants who list more than the policy allows "
                   "(with a note); without it such applications are an error.")
@click.option("--jobs", type=int, metavar="N",
              help="Processes sharing the work: the cohorts, or with --la all the LAs (1 to "
                   f"{MAX_JOBS}) [default: one per CPU, at most one per cohort]. Results are the same for any N; "
                   "each extra process holds another cohort in memory.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="output/simulate", show_default=True,
              help="Folder for the CSV files and the map.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bars for long runs and large files [default: when run in a terminal].")
@limits_option
@db_option
def simulate_command(policy, baseline, applications, synthetic, la, brighton_dir, entry_year, capacities,
                     first_preferences, catchment_layer, homes, runs, seed, settings, reserve_order, city_fsm_share,
                     choice, cohorts, sweep_spec, facts, selective_share, pans, wwit, truncate_preferences, out_dir,
                     progress, jobs, db):
    """Simulate admissions under a policy and compare it with a baseline (student-proposing deferred
    acceptance: the equal-preference scheme), over many lottery draws (--runs at most 10,000, --cohorts at
    most 200, --seed from 0 to 4,294,967,295)."""
    with progress_bars(sys.stderr.isatty() if progress is None else progress):
        _simulate(policy, baseline, applications, synthetic, la, brighton_dir, entry_year, capacities,
                  first_preferences, catchment_layer, homes, runs, seed, settings, reserve_order, city_fsm_share,
                  choice, cohorts, sweep_spec, facts, selective_share, pans, wwit, truncate_preferences, out_dir, jobs,
                  db)


def _simulate(policy, baseline, applications, synthetic, la, brighton_dir, entry_year, capacities,
              first_preferences, catchment_layer, homes, runs, seed, settings, reserve_order, city_fsm_share,
              choice, cohorts, sweep_spec, facts, selective_share, pans, wwit, truncate_preferences, out_dir, jobs, db):
    if synthetic and not la:
        raise click.UsageError("--synthetic needs --la NAME")
    if homes and not synthetic:
        raise click.UsageError(f"--homes {homes} applies to a synthetic LA cohort (--synthetic --la NAME)")
    if facts and facts != "published" and not Path(facts).is_file():
        raise click.BadParameter(f"{facts} is not a file (give a facts CSV, or 'published')", param_hint="--facts")
    if out_dir:
        check_folder(Path(out_dir), "simulate")           # before anything runs: the outputs can go there
    if synthetic and la.strip().lower() == "all":
        extra = [name for name, given in (("--choice", choice), ("--cohorts", cohorts is not None), ("--sweep", sweep_spec),
                                          ("--facts", facts), ("--capacities", capacities),
                                          ("--first-preferences", first_preferences),
                                          ("--selective-share", selective_share is not None),
                                          ("--pan", pans), ("--what-would-it-take", wwit)) if given]
        if extra:
            raise click.UsageError(f"--la all runs every LA with the policy's settings; it does not take "
                                   f"{', '.join(extra)}")
        national, text = simulate_national(policy, baseline, db=db, runs=NATIONAL_RUNS if runs is None else runs,
                                           seed=seed, settings=_settings(settings),
                                           reserve_order=reserve_order, city_fsm_share=city_fsm_share, out_dir=out_dir,
                                           jobs=jobs, homes=homes)
        click.echo(text)
        click.echo(f"\nwrote {', '.join(p.name for p in national.written)} in {out_dir}")
        return
    options = dict(applications=applications, synthetic_la=la if synthetic else None, brighton_dir=brighton_dir,
                   capacities=capacities, first_preferences=first_preferences, db=db, catchments=catchment_layer,
                   runs=DEFAULT_RUNS if runs is None else runs, seed=seed, reserve_order=reserve_order,
                   entry_year=entry_year,
                   truncate_preferences=truncate_preferences, cohorts=cohorts, selective_share=selective_share,
                   jobs=jobs, homes=homes)
    pan_values = parse_pans(pans)
    if wwit:
        if sweep_spec or pan_values or facts:
            raise click.UsageError("--what-would-it-take runs on its own: leave out --sweep, --pan and --facts")
        _, text, written = simulate_what_would_it_take(policy, wwit, settings=_settings(settings), out_dir=out_dir,
                                                       city_fsm_share=city_fsm_share, choice=_choice(choice),
                                                       **options)
        click.echo(text)
        click.echo(f"\nwrote {', '.join(p.name for p in written)} in {out_dir}")
        return
    if sweep_spec:
        if pan_values:
            raise click.UsageError("--pan and --sweep cannot be combined: run the sweep, then the admission number")
        _, text, written = simulate_sweep(policy, sweep_spec, baseline, out_dir=out_dir, settings=_settings(settings),
                                          choice=_choice(choice), city_fsm_share=city_fsm_share, **options)
        click.echo(text)
        click.echo(f"\nwrote {', '.join(p.name for p in written)} in {out_dir}")
        return
    result = simulate(policy, baseline, settings=_settings(settings), out_dir=out_dir, city_fsm_share=city_fsm_share,
                      choice=_choice(choice), facts=facts, pans=pan_values, **options)
    click.echo(summary_text(result.comparison))
    click.echo(f"\nwrote {', '.join(p.name for p in result.written)} in {out_dir}")
