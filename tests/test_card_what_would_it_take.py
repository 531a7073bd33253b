"""The school card's "what would it take" section: the simulator's result when computed, else the command."""
import pandas as pd

from repaudit.report.card import Card, card_page, card_text, what_would_it_take_lines
from repaudit.simulate.whatif import what_would_it_take
from test_simulate_whatif import BASELINE, two_schools

SCHOOL = {"urn": 100001, "name": "School A", "la_name": "Toyshire", "phase": "Secondary"}


def written(tmp_path, name="School A", neighbour=None):
    table = what_would_it_take([two_schools()], BASELINE, [100001], [[0, 1]], {100001: 0.5})
    table["name"] = name
    if neighbour is not None:
        table["neighbour"] = neighbour
    table.to_csv(tmp_path / "what_would_it_take.csv", index=False)
    return tmp_path


def card_with(lines):
    return Card(SCHOOL, "nearby-schools", pd.DataFrame(), pd.DataFrame(), {}, {}, {}, [], wwit=lines)


def test_a_computed_result_is_shown_as_the_simulators_sentence(tmp_path):
    lines = what_would_it_take_lines(SCHOOL, written(tmp_path))
    assert len(lines) == 1
    assert "a reserve of 50% of places would bring its FSM intake from 0.0% to its community's 50.0%" in lines[0]
    assert "School B would lose 2 FSM pupils" in lines[0] and "policy test" in lines[0]
    assert "What would it take (admissions simulator)" in card_text(card_with(lines))


def test_without_a_result_the_card_gives_the_command(tmp_path):
    lines = what_would_it_take_lines(SCHOOL, tmp_path)
    assert lines[0].startswith("Not computed for this school yet")
    assert 'repaudit simulate --policy baseline --synthetic --la "Toyshire" --what-would-it-take 100001' in lines[0]
    other = {**SCHOOL, "urn": 100002}                      # a result for another school is not this school's
    assert what_would_it_take_lines(other, written(tmp_path))[0].startswith("Not computed")


def test_names_from_the_file_are_text_in_the_page_and_lose_control_characters(tmp_path):
    lines = what_would_it_take_lines(SCHOOL, written(tmp_path, "<script>alert(1)</script>\x1b[31m",
                                                     "{{ 7*7 }}<img src=x onerror=alert(1)>"))
    assert "\x1b" not in lines[0]
    page = card_page(card_with(lines))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "{{ 7*7 }}" in page


def test_a_damaged_file_says_so_and_gives_the_command(tmp_path):
    (tmp_path / "what_would_it_take.csv").write_text("urn,name\n100001,School A\n")     # the figures are missing
    line = what_would_it_take_lines(SCHOOL, tmp_path)[0]
    assert "could not be read (KeyError)" in line and "--what-would-it-take 100001" in line
