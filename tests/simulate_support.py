"""Tiny admissions games for the simulator tests, built straight from lists (no files, no warehouse)."""
import numpy as np

from repaudit.simulate.game import Applicants, Catchments, Game, Schools
from repaudit.simulate.policies import parse_policy


def tiny_game(pan, children, school_xy=None, community=None, areas=()):
    """PAN per school; CHILDREN: dicts with prefs (school indices) and optional fsm, lac, sibling,
    medical, ehcp (school index), xy, area (index into AREAS, the school indices each area serves)."""
    n_s = len(pan)
    school_xy = np.asarray(school_xy if school_xy is not None else [(1000.0 * j, 0.0) for j in range(n_s)], float)
    schools = Schools(
        urn=np.arange(100001, 100001 + n_s, dtype=np.int64),
        name=np.array([f"School {chr(65 + j)}" for j in range(n_s)], dtype=object),
        pan=np.asarray(pan, dtype=np.int64),
        xy=school_xy,
        community=np.ones(n_s, bool) if community is None else np.asarray(community, bool),
        area=np.array(["A"] * n_s, dtype=object),
    )
    prefs = [list(c.get("prefs", [])) for c in children]
    lengths = np.array([len(p) for p in prefs], dtype=np.int64)

    def col(key, default=-1):
        return np.array([c.get(key, default) for c in children], dtype=np.int64)

    apps = Applicants(
        applicant_id=np.array([c.get("id", f"c{i}") for i, c in enumerate(children)], dtype=object),
        xy=np.array([c.get("xy", (0.0, 0.0)) for c in children], dtype=float).reshape(-1, 2),
        fsm=np.array([bool(c.get("fsm", False)) for c in children], dtype=bool),
        looked_after=np.array([bool(c.get("lac", False)) for c in children], dtype=bool),
        medical_school=col("medical"),
        sibling_school=col("sibling"),
        ehcp_school=col("ehcp"),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        prefs=np.array([s for p in prefs for s in p], dtype=np.int64),
    )
    catch = None
    if areas:
        serves = np.zeros((len(areas), n_s), dtype=bool)
        for i, served in enumerate(areas):
            serves[i, list(served)] = True
        catch = Catchments(col("area"), serves, [f"area{i}" for i in range(len(areas))])
    return Game(schools, apps, catch, city_fsm_share=None)


def policy(criteria, bands=None, **settings):
    """A policy from Python values, validated exactly as a TOML file would be."""
    data = {"name": settings.pop("name", "test"), "criteria": list(criteria), **settings}
    if bands:
        data["bands"] = bands
    return parse_policy(data, "<test>")


def offers(game, alloc):
    """School index of each applicant's deferred-acceptance offer (-1 when none: unplaced or directed)."""
    from repaudit.simulate.game import OFFER

    return np.where(alloc.route == OFFER, alloc.school, -1)
