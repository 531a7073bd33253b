"""nearby-schools compares like with like: selective, independent and special schools are not part of
another school's comparison pool, and the pool's make-up is written per school.

Worked by hand (secondary, FSM / pupils, x in km along one road, k = 3 for every school):
    F  faith (RC) school  30/100 at 0      G1 grammar  3/100 at 0.5     G2 grammar  2/100 at 0.7
    N1 comprehensive     25/100 at 2      N2          20/100 at 3
    an independent school (1/100) at 0.2 and a special school (40/100) at 0.3, both outside scope.
Old pool of F: F, G1, G2 = 35/300. New pool: F, N1, N2 = 75/300, with the 2 grammar schools left out.
G1 (selective) is compared with the schools around it: itself, F, N1 = 58/300.
"""
import pandas as pd
import pytest

from audit_fixture import insert, school
from audit_fixture import audit_own_rates as audit   # the models' own rates, by hand

GRAMMAR = {"admissions_policy": "Selective", "type": "Academy converter", "type_group": "Academies"}
SCHOOLS = [  # urn, name, x km, fsm, extra GIAS fields
    (1, "F Catholic High", 0.0, 30, {"religious_character": "Roman Catholic", "type": "Voluntary aided school"}),
    (2, "G1 Grammar", 500.0, 3, GRAMMAR),
    (3, "G2 Grammar", 700.0, 2, GRAMMAR),
    (4, "N1 High", 2000.0, 25, {}),
    (5, "N2 High", 3000.0, 20, {}),
    (6, "I Independent", 200.0, 1, {"type": "Other independent school", "type_group": "Independent schools",
                                     "phase": "Not applicable"}),
    (7, "S Special", 300.0, 40, {"type": "Community special school", "type_group": "Special schools",
                                 "phase": "Not applicable"}),
]
K3 = {"k": 3, "faith.k": 3, "selective.k": 3}


@pytest.fixture
def grammar_town(wh):
    insert(wh, "schools", [school(u, name, x, 0.0, 100, **extra) for u, name, x, _, extra in SCHOOLS])
    insert(wh, "school_indicators", [{"urn": u, "year": 2022, "indicator": "fsm", "numerator": f,
                                      "denominator": 100} for u, _, _, f, _ in SCHOOLS])
    return wh


def test_faith_school_pool_leaves_out_the_grammar_schools(grammar_town):
    s = audit(grammar_town, community="nearby-schools", params=K3).schools.set_index("urn")
    assert s.loc[1, "community_rate"] == pytest.approx(75 / 300)
    assert s.loc[1, "gap_pp"] == pytest.approx(30 - 25)
    assert (s.loc[1, "pool_schools"], s.loc[1, "pool_pupils"], s.loc[1, "pool_excluded_selective"]) == (3, 300, 2)
    assert s.loc[2, "community_rate"] == pytest.approx(58 / 300)          # G1 with F and N1
    assert s.loc[2, "pool_excluded_selective"] == 1                        # G2 (0.2 km) is nearer than N1
    assert s.loc[4, "community_rate"] == pytest.approx(75 / 300)          # N1: N1, N2, F
    assert s.loc[4, "pool_excluded_selective"] == 2
    assert s.loc[6, "exclusion_reason"] == "independent school (outside scope)"
    assert pd.isna(s.loc[6, "pool_schools"])


def test_exclude_none_restores_the_old_pool(grammar_town):
    s = audit(grammar_town, community="nearby-schools", params={**K3, "exclude": "none"}).schools.set_index("urn")
    assert s.loc[1, "community_rate"] == pytest.approx(35 / 300)
    assert s.loc[1, "pool_excluded_selective"] == 0


def test_other_models_write_empty_pool_columns(grammar_town):
    s = audit(grammar_town, community="la").schools
    assert {"pool_schools", "pool_pupils", "pool_excluded_selective"} <= set(s.columns)
    assert s["pool_schools"].isna().all()

