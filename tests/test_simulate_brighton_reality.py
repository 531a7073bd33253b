"""Brighton and Hove 2025, model vs reality with a stated setting (not tuned): the council's published city
FSM share (28%, the brighton-2025 preset) and no FSM response, six synthetic cohorts pooled.

Reality (docs/brighton-2025-facts.csv): 37.67% of Varndean's offers to FSM children, 80.8% of applicants
offered their first preference (1,861 of 2,303), 89 directed places."""
from pathlib import Path

from repaudit.simulate.run import simulate

FACTS = Path(__file__).resolve().parents[1] / "docs" / "brighton-2025-facts.csv"


def test_brighton_2025_with_the_councils_share_and_no_response(real):
    result = simulate("brighton-2025", brighton_dir=real, runs=24, cohorts=6, seed=0, facts=FACTS).comparison
    assert result.meta["city_fsm_share"] == 0.28 and result.meta["baseline"] == "brighton-2024"
    assert result.meta["behaviour"]["fsm_response"] == {"value": 0.0, "set": False}
    reality = result.reality.set_index("metric")
    varndean = reality.loc["fsm_share"]
    assert varndean["school"] == "Varndean School" and varndean["reality"] == 0.3767
    assert abs(varndean["difference"]) < 0.03                           # within 3 pp of the real share
    assert varndean["model"] < varndean["reality"]                      # below it, as the README says
    assert abs(reality.loc["first_pref_rate", "difference"]) < 0.015
    # directed places: about half the real 89 (late and off-guidance applications are not modelled)
    assert 30 < reality.loc["directed", "model"] < 0.75 * 89
