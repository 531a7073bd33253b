"""What a comparison can claim: which schools the policy can bind, and whether the policy and its
baseline differ in more than the rule being tested.

An LA sets admissions only at community and voluntary controlled schools; academies, foundation and
voluntary aided schools are their own admission authorities (METHODS.md), so a policy the LA adopts
binds only the former. And a comparison isolates a rule (criteria, reserve bands and their shares) only
when everything else is the same: a change in the number of preferences, the tie-break, the band
rounding or the schools the policy applies to moves children too, and the summary says so first.
"""
from __future__ import annotations

from .game import Game
from .policies import Policy


def area_name(meta: dict) -> str:
    """The LA's name (synthetic cohorts), Brighton and Hove (its scenario), or '' (an applications file)."""
    la = meta.get("la")
    if isinstance(la, dict) and la.get("name"):
        return str(la["name"])
    return "Brighton and Hove" if str(meta.get("source", "")).startswith("Brighton and Hove") else ""


def scope_sentence(game: Game, policy: Policy, baseline: Policy) -> str:
    """One sentence: how many of the area's secondaries the policy applies to and can bind; schools of
    neighbouring LAs taking part (Schools.border) are counted apart, and never as bound."""
    border = int(game.schools.border.sum())
    n, la = game.schools.n - border, int(game.schools.community.sum())
    name = area_name(game.meta)
    whose = f"{name}'s {n} secondaries" if name else f"the {n} schools simulated"
    if border:
        whose += f" (and the {border} of neighbouring LAs that take part)"
    own = n + border - la
    if own == 0 and not name:
        return f"The policy applies to all of {whose}, each taken as one the LA is the admission authority for."
    if own == 0:
        return f"The policy applies to all of {whose}: the LA is the admission authority of each."
    if policy.applies_to == "community":
        there = baseline.others if baseline.applies_to == "community" else baseline.name
        others = "" if policy.others == there else f" (here they run {policy.others})"
        return f"The policy applies to {la} of {whose}; the other {own} set their own admissions{others}."
    return (f"The policy is modelled at all of {whose}, but the LA can bind only the {la} it is the admission "
            f"authority for; the other {own} set their own admissions and would each have to adopt it.")


def national_scope(table, policy: Policy) -> str:
    """The scope sentence of `--la all`, from national.csv's la_schools (each LA's own, so a school near a
    boundary is counted once) and la_admitted_schools per LA."""
    n = int(table["la_schools" if "la_schools" in table else "schools"].sum())
    la = int(table["la_admitted_schools"].sum())
    where = f"the {n:,} secondaries of {len(table)} LAs"
    if policy.applies_to == "community":
        return f"The policy applies to {la:,} of {where}; the other {n - la:,} set their own admissions."
    return (f"The policy is modelled at all of {where}, but each LA can bind only the {la:,} it is the admission "
            f"authority for; the other {n - la:,} set their own admissions and would each have to adopt it.")


def differences(policy: Policy, baseline: Policy) -> list[str]:
    """How POLICY differs from BASELINE beyond its criteria and bands, one phrase each ([] when like with like)."""
    out = []
    if policy.preferences != baseline.preferences:
        out.append(f"preferences allowed: {policy.preferences} vs {baseline.preferences}")
    if policy.tie_break != baseline.tie_break:
        out.append(f"tie-break: {policy.tie_break} vs {baseline.tie_break}")
    elif "lottery" == policy.tie_break and policy.lottery != baseline.lottery:
        out.append(f"lottery: {policy.lottery} vs {baseline.lottery}")
    if policy.bands and baseline.bands and policy.rounding != baseline.rounding:
        out.append(f"band places rounded: {policy.rounding} vs {baseline.rounding}")
    if policy.preference_first != baseline.preference_first:
        out.append("first preference first (" + ("yes" if policy.preference_first else "no") + " vs "
                   + ("yes" if baseline.preference_first else "no") + ")")
    if _reach(policy) != _reach(baseline) and _reach(policy) != ("community", baseline.name):
        # e.g. a policy for LA-admitted schools against one for all schools: the others run something else
        out.append(f"schools it applies to: {_reach_text(policy)} vs {_reach_text(baseline)}")
    return out


def _reach(policy: Policy) -> tuple:
    """Where a policy runs and what runs at the other schools: ('all',) or ('community', others). A policy
    for LA-admitted schools that leaves the others on the baseline differs from it only where it binds."""
    return ("all",) if policy.applies_to == "all" else ("community", policy.others)


def _reach_text(policy: Policy) -> str:
    return "all schools" if policy.applies_to == "all" else f"LA-admitted schools, {policy.others} elsewhere"


def opening_lines(meta: dict) -> list:
    """What comes first: the schools the policy can bind, whether policy and baseline differ in more than
    the rule tested, and a warning when fewer cohorts were run than the coverage check needs."""
    lines = [meta["scope"]] if meta.get("scope") else []
    if meta.get("differences"):
        lines.append(f"Not like with like: {meta['policy']} and {meta['baseline']} differ in more than the rule "
                     f"being tested ({'; '.join(meta['differences'])}), so the changes shown mix their effects.")
    lines += [f"warning: {w}" for w in cohort_warning(meta)]
    return lines


def cohort_warning(meta: dict) -> list:
    """['...'] when a synthetic simulation ran fewer cohorts than its intervals need to hold 90% of fresh
    cohorts at every school (bench/coverage_bench.py), else []."""
    needed, cohorts = meta.get("cohorts_needed"), meta.get("cohorts", 1)
    if not needed or cohorts >= needed:
        return []
    run = "one cohort was run, so the intervals show the lottery only" if cohorts == 1 else \
        f"{cohorts} cohorts were run, too few for the intervals to hold"
    return [f"{run}; a fresh cohort's figures fall outside them more often than 1 time in 10 at some schools "
            f"(the coverage check needs --cohorts {needed} or more)"]
