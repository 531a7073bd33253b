"""`repaudit load admissions`: DfE school-level applications and offers -> school_admissions (entry year from
time_period, phase, places offered, offers and times put 1st/2nd/3rd, preferences allowed); bad rows rejected
with a reason; the real re-keyed copy loads whole and matches the council's factsheet spot check."""
import pandas as pd
import pytest

from repaudit.load import load_file

HEADER = ("time_period,urn,la_code,phase_name,total_number_places_offered,number_preferred_offers,"
          "number_1st_preference_offers,number_2nd_preference_offers,number_3rd_preference_offers,"
          "times_put_as_any_preferred_school,times_put_as_1st_preference,times_put_as_2nd_preference,"
          "times_put_as_3rd_preference,number_of_preferences\n")


def test_rows_are_stored_by_entry_year_and_bad_rows_are_rejected_with_a_reason(wh, tmp_path):
    path = tmp_path / "apps.csv"
    path.write_text(HEADER
                    + "202223,114606,846,Secondary,330,320,280,30,10,1000,396,300,200,3\n"
                    + "202122,114606,846,Secondary,325,318,284,25,9,990,400,290,210,3\n"
                    + "202223,100000,201,Primary,30,30,30,0,0,116,56,27,8,6\n"
                    + "202223,100001,201,Nursery,30,30,30,0,0,116,56,27,8,6\n"
                    + "202223,100002,201,Secondary,-5,30,30,0,0,116,56,27,8,6\n"
                    + "202223,100003,201,Secondary,30,30,30,0,0,116,56,27,8,9\n"
                    + "202223,abc,201,Secondary,30,30,30,0,0,116,56,27,8,6\n", encoding="utf-8")
    result = load_file(wh, "admissions", path)
    rows = wh.df("SELECT * FROM school_admissions ORDER BY urn, year")
    assert rows[["urn", "year", "phase"]].values.tolist() == [[100000, 2022, "Primary"], [114606, 2021, "Secondary"],
                                                             [114606, 2022, "Secondary"]]
    blatch = rows[(rows["urn"] == 114606) & (rows["year"] == 2022)].iloc[0]
    assert (blatch["places_offered"], blatch["times_first"], blatch["first_pref_offers"], blatch["preferences"]) == \
        (330, 396, 280, 3)
    assert result.rows_rejected == 4
    reasons = " | ".join(result.rejects["reason"])
    assert "phase 'Nursery' is not Primary or Secondary" in reasons
    assert "places_offered -5" in reasons and "number_of_preferences 9" in reasons and "URN 'abc'" in reasons


def test_the_real_school_level_file_loads_whole(real, wh):
    result = load_file(wh, "admissions", real / "admissions/appsandoffers_school_level_2014_15_to_2022_23_clarelgibson.csv.gz")
    assert result.rows_rejected == 0 and wh.count("school_admissions") == 170_139
    # SOURCES.md spot check: Blatchington Mill 2021/22, 396 first preferences, 280 first-preference offers
    row = wh.df("SELECT times_first, first_pref_offers FROM school_admissions WHERE urn = 114606 AND year = 2021 "
                "AND phase = 'Secondary'").iloc[0]
    assert (row["times_first"], row["first_pref_offers"]) == (396, 280)
    assert any("fractional counts" in n for n in result.notes)
