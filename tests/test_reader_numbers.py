"""Numbers and years from text cells: infinities and impossible years are not values a loader can store."""
import pandas as pd

from repaudit.sources.reader import academic_year, bad_numbers, parse_number


def test_infinities_are_not_numbers():
    cells = pd.Series(["12", "inf", "-inf", "1e309", "Infinity", "1,296", "c"])
    assert parse_number(cells).tolist()[:1] == [12.0]
    assert parse_number(cells).isna().tolist() == [False, True, True, True, True, False, True]
    assert bad_numbers(cells).tolist() == [False, True, True, True, True, False, False]


def test_years_outside_the_plausible_range_or_not_whole_are_missing():
    years = academic_year(pd.Series(["202223", "2022/23", "2023", "1e309", "2022.5", "1066", "3000", "inf"]))
    assert years.tolist()[:3] == [2022, 2022, 2023]
    assert years.isna().tolist() == [False, False, False, True, True, True, True, True]
