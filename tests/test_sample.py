"""The synthetic sample region: deterministic, in the real formats, internally consistent, and the
planted schools carry a signal the audit can find. Checks read the written files, not the generator."""
import csv
import gzip
import io
import json
import math
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from repaudit.cli import cli
from repaudit.paths import SAMPLE_DIR
from repaudit.sample import SAMPLE_FILES, generate
from repaudit.sample.noise import Noise, round_to_total

PLANTED = {990003, 990010, 990015}          # as documented in SYNTHETIC.md
GIAS = "synthetic_edubasealldata20240901.csv"
SPC = "synthetic_spc_school_level_underlying_data.csv"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    generate(out)
    return out


def rows(folder, name, encoding="utf-8-sig"):
    return list(csv.DictReader(io.StringIO((folder / name).read_bytes().decode(encoding))))


def test_generating_twice_gives_identical_bytes(folder, tmp_path):
    generate(tmp_path)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (folder / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_committed_copy_is_what_the_generator_writes(folder):
    committed = sorted(p.name for p in SAMPLE_DIR.iterdir() if p.is_file())
    assert committed == sorted(p.name for p in folder.iterdir())
    for name in committed:
        assert (SAMPLE_DIR / name).read_bytes() == (folder / name).read_bytes(), f"{name}: run `repaudit sample --out {SAMPLE_DIR}`"


def test_cli_writes_the_same_files(runner, tmp_path, folder):
    result = runner.invoke(cli, ["sample", "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s" / GIAS).read_bytes() == (folder / GIAS).read_bytes()
    assert "16 files" in result.output


def test_small_and_labelled_synthetic(folder):
    assert sum(p.stat().st_size for p in folder.iterdir()) < 1_000_000
    assert all("synthetic" in f.name for f in SAMPLE_FILES)
    assert "Nothing in this folder is real" in (folder / "SYNTHETIC.md").read_text(encoding="utf-8")
    for name in ("synthetic_lsoa21_boundaries.geojson", "synthetic_secondary_catchments.geojson"):
        assert "synthetic" in json.loads((folder / name).read_text(encoding="utf-8"))["name"]
    assert {r["la_name"] for r in rows(folder, SPC)} == {"Sampleshire (synthetic)"}
    assert all(r["EstablishmentName"].endswith("(synthetic)") for r in rows(folder, GIAS, "cp1252"))


def test_noise_helpers():
    assert list(round_to_total(np.array([1.0, 1.0, 1.0]), 10)) == [4, 3, 3]
    assert round_to_total(np.array([0.2, 0.3, 0.5]), 7).sum() == 7
    a, b = Noise(5).uniform(4), Noise(5).uniform(4)
    assert np.array_equal(a, b)
    normals = Noise(1).normal(20000)
    assert abs(normals.mean()) < 0.03 and abs(normals.std() - 1) < 0.03


def test_lsoas_tile_the_region_and_centroids_lie_inside(folder):
    lsoas = gpd.read_file(folder / "synthetic_lsoa21_boundaries.geojson")
    assert lsoas.crs.to_epsg() == 27700 and len(lsoas) >= 60
    assert lsoas.is_valid.all()
    assert lsoas.LSOA21CD.str.match(r"^E01990\d{3}$").all()
    union = shapely.union_all(lsoas.geometry.values)
    assert math.isclose(union.area, lsoas.area.sum(), rel_tol=1e-9)      # no overlaps
    assert math.isclose(union.area, union.envelope.area, rel_tol=1e-9)   # no gaps: a rectangle
    minx, miny, maxx, maxy = union.bounds
    assert 425000 <= minx < maxx <= 450000 and 325000 <= miny < maxy <= 350000
    pwc = rows(folder, "synthetic_LSOA_2021_PWC.csv")
    by_code = dict(zip(lsoas.LSOA21CD, lsoas.geometry))
    assert len(pwc) == len(lsoas)
    assert all(by_code[r["LSOA21CD"]].contains(shapely.Point(float(r["x"]), float(r["y"]))) for r in pwc)


def test_catchments_are_valid_and_cover_the_region(folder):
    catchments = gpd.read_file(folder / "synthetic_secondary_catchments.geojson")
    assert catchments.crs.to_epsg() == 27700 and catchments.is_valid.all()
    lsoas = gpd.read_file(folder / "synthetic_lsoa21_boundaries.geojson")
    union = shapely.union_all(catchments.geometry.values)
    assert math.isclose(catchments.area.sum(), union.area, rel_tol=1e-9)          # no overlaps
    assert math.isclose(union.area, lsoas.area.sum(), rel_tol=1e-9)               # every LSOA in one
    gias = {int(r["URN"]): r for r in rows(folder, GIAS, "cp1252")}
    for name, urn in zip(catchments.catchment, catchments.URN):
        assert gias[urn]["EstablishmentName"] == name and gias[urn]["PhaseOfEducation (name)"] == "Secondary"
        point = shapely.Point(float(gias[urn]["Easting"]), float(gias[urn]["Northing"]))
        assert catchments.geometry[catchments.URN == urn].iloc[0].distance(point) < 1000


def test_gias_file_is_cp1252_fully_quoted_with_the_required_mix(folder):
    raw = (folder / GIAS).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "St Thomas à Becket".encode("cp1252") in raw
    lines = raw.decode("cp1252").split("\r\n")[:-1]
    width = lines[0].count('","') + 1
    assert all(re.fullmatch(r'"[^"]*"(,"[^"]*")*', line) and line.count('","') + 1 == width for line in lines)
    schools = rows(folder, GIAS, "cp1252")
    open_ = [s for s in schools if s["EstablishmentStatus (name)"] == "Open"]
    state = [s for s in open_ if s["EstablishmentTypeGroup (name)"] in ("Academies", "Local authority maintained schools")]
    assert sum(s["PhaseOfEducation (name)"] == "Primary" for s in state) == 25
    assert sum(s["PhaseOfEducation (name)"] == "Secondary" for s in state) == 8
    assert [s["AdmissionsPolicy (name)"] for s in state].count("Selective") == 1
    assert "Roman Catholic" in {s["ReligiousCharacter (name)"] for s in state}
    assert {s["EstablishmentTypeGroup (name)"] for s in open_} >= {"Special schools", "Independent schools"}
    assert sum(s["EstablishmentStatus (name)"] == "Closed" for s in schools) == 1
    trusts = {s["Trusts (code)"] for s in state} - {""}
    assert len(trusts) == 3 and any(s["Trusts (code)"] == "" for s in state)
    assert all(s["LA (code)"] == "990" and int(s["URN"]) >= 990001 for s in schools)


def test_trust_and_conversion_links_agree_with_gias(folder):
    gias = {r["URN"]: r for r in rows(folder, GIAS, "cp1252")}
    groups = rows(folder, "synthetic_alllinksdata20240901.csv", "cp1252")
    assert {g["URN"]: g["Group UID"] for g in groups} == {u: r["Trusts (code)"] for u, r in gias.items() if r["Trusts (code)"]}
    links = rows(folder, "synthetic_links_edubasealldata20240901.csv", "cp1252")
    successor = next(link for link in links if link["LinkType"] == "Successor")
    assert gias[successor["URN"]]["EstablishmentStatus (name)"] == "Closed"
    assert gias[successor["LinkURN"]]["ReasonEstablishmentOpened (name)"] == "Academy Converter"
    assert (gias[successor["URN"]]["Easting"], gias[successor["URN"]]["Northing"]) == \
        (gias[successor["LinkURN"]]["Easting"], gias[successor["LinkURN"]]["Northing"])


def test_spc_counts_add_up(folder):
    spc = rows(folder, SPC)
    assert sorted({r["time_period"] for r in spc}) == ["202122", "202223", "202324"]
    for r in spc:
        n = int(r["headcount of pupils"])
        ages = sum(int(r[f"full-time girls aged {a}"]) + int(r[f"full{'-' if a in (3, 4) else ' '}time boys aged {a}"])
                   for a in range(20))
        assert ages == n == int(r["headcount total girls"]) + int(r["headcount total boys"])
        if r["phase_type_grouping"] == "Independent school":
            assert r["% of pupils known to be eligible for free school meals"] == "z"
            continue
        fsm = int(r["number of pupils known to be eligible for free school meals"])
        assert r["% of pupils known to be eligible for free school meals"] == f"{100 * fsm / n:.1f}"
        ethnic = [int(v) for k, v in r.items() if k.startswith("number of pupils classified as")]
        assert sum(ethnic) + int(r["number of pupils unclassified"]) == n


def test_flows_sum_to_each_schools_census_counts(folder):
    census = {(r["urn"], r["time_period"]): r for r in rows(folder, SPC)}
    sen = {(r["URN"], r["time_period"]): r for r in rows(folder, "synthetic_sen_school_level_ud.csv")}
    totals = {}
    for f in rows(folder, "synthetic_flows.csv"):
        key = (f["urn"], f["year"][:4] + f["year"][5:])
        t = totals.setdefault(key, [0, 0, 0])
        for i, col in enumerate(("pupils", "fsm", "sen")):
            t[i] += int(f[col])
    state = {k for k, r in census.items() if r["phase_type_grouping"] != "Independent school"}
    assert set(totals) == state
    for key, (pupils, fsm, sen_all) in totals.items():
        assert pupils == int(census[key]["headcount of pupils"]) == int(sen[key]["Total pupils"])
        assert fsm == int(census[key]["number of pupils known to be eligible for free school meals"])
        assert sen_all == int(sen[key]["SEN support"]) + int(sen[key]["EHC plan"])


def test_children_in_need_files_are_consistent(folder):
    schools = rows(folder, "synthetic_cin_schools.csv")
    la = rows(folder, "synthetic_b1_children_in_need.csv")
    population = {r["time_period"]: int(r["population_estimate"])
                  for r in rows(folder, "synthetic_ons_mid-year_population_estimates_0_to_17.csv")}
    assert [r["time_period"] for r in la] == ["2022", "2023", "2024"]
    for r in la:
        at31 = int(r["At31_episodes"])
        on_roll = sum(int(s["cin"]) for s in schools if int(s["year"][:4]) + 1 == int(r["time_period"]))
        assert on_roll < at31                               # pupils are a subset of children 0-17
        assert 150 < 1e4 * at31 / population[str(int(r["time_period"]) - 1)] < 500   # per 10,000, as in England


def test_ordinary_school_fsm_follows_neighbourhood_idaci(folder):
    idaci = {r["LSOA Code (2011)"]: float(r["IDACI Score"]) for r in rows(folder, "synthetic_File_7a_IoD2019_scores.csv")}
    gias = {r["URN"]: r for r in rows(folder, GIAS, "cp1252")}
    spc = [r for r in rows(folder, SPC) if r["time_period"] == "202324"
           and r["phase_type_grouping"] in ("State-funded primary", "State-funded secondary")
           and int(r["urn"]) not in PLANTED and r["admissions_policy"] != "Selective"]
    x = [idaci[gias[r["urn"]]["LSOA (code)"]] for r in spc]
    y = [float(r["% of pupils known to be eligible for free school meals"]) for r in spc]
    assert np.corrcoef(x, y)[0, 1] > 0.6


def _least_representative(folder, community):
    """URNs of state mainstream schools ordered by z = (p - c) / sqrt(c (1 - c) / n), 2023/24."""
    gias = {int(r["URN"]): r for r in rows(folder, GIAS, "cp1252")}
    spc = {int(r["urn"]): r for r in rows(folder, SPC) if r["time_period"] == "202324"
           and r["phase_type_grouping"] in ("State-funded primary", "State-funded secondary")}
    n = {u: int(r["headcount of pupils"]) for u, r in spc.items()}
    fsm = {u: int(r["number of pupils known to be eligible for free school meals"]) for u, r in spc.items()}
    phase = {u: r["phase_type_grouping"] for u, r in spc.items()}
    xy = {u: (float(gias[u]["Easting"]), float(gias[u]["Northing"])) for u in spc}
    rates = community(spc, n, fsm, phase, xy)
    z = {u: (fsm[u] / n[u] - c) / math.sqrt(c * (1 - c) / n[u]) for u, c in rates.items()}
    return sorted(z, key=z.get)


def test_planted_schools_are_least_representative_by_nearby_schools(folder):
    def nearby(spc, n, fsm, phase, xy):
        out = {}
        for u in spc:
            near = sorted((v for v in spc if phase[v] == phase[u]), key=lambda v: math.dist(xy[u], xy[v]))[:5]
            out[u] = sum(fsm[v] for v in near) / sum(n[v] for v in near)
        return out
    assert set(_least_representative(folder, nearby)[:3]) == PLANTED


def test_planted_schools_are_least_representative_by_flows(folder):
    flows = [f for f in rows(folder, "synthetic_flows.csv") if f["year"] == "2023/24"]

    def by_flows(spc, n, fsm, phase, xy):
        lsoa_pupils, lsoa_fsm = {}, {}
        for f in flows:
            if int(f["urn"]) in spc:
                key = (phase[int(f["urn"])], f["lsoa"])
                lsoa_pupils[key] = lsoa_pupils.get(key, 0) + int(f["pupils"])
                lsoa_fsm[key] = lsoa_fsm.get(key, 0) + int(f["fsm"])
        out = {}
        for u in spc:
            own = [(int(f["pupils"]), (phase[u], f["lsoa"])) for f in flows if int(f["urn"]) == u]
            out[u] = sum(p * lsoa_fsm[k] / lsoa_pupils[k] for p, k in own) / sum(p for p, _ in own)
        return out
    assert set(_least_representative(folder, by_flows)[:3]) == PLANTED


def test_planted_schools_are_least_representative_by_residence_and_calibrated_idaci(folder):
    pwc = {r["LSOA21CD"]: (float(r["x"]), float(r["y"])) for r in rows(folder, "synthetic_LSOA_2021_PWC.csv")}
    idaci = {r["LSOA Code (2011)"]: float(r["IDACI Score"]) for r in rows(folder, "synthetic_File_7a_IoD2019_scores.csv")}
    children = {}
    for r in rows(folder, "synthetic_census2021_lsoa21_population_by_age.csv"):
        if r["age_group"] in ("Aged 5 to 9 years", "Aged 10 to 14 years"):
            children[r["lsoa21_code"]] = children.get(r["lsoa21_code"], 0) + int(r["usual_residents"])

    def residential(spc, n, fsm, phase, xy):
        area = {}
        for u in spc:
            radius = 1500 if phase[u] == "State-funded primary" else 3000
            near = [k for k in pwc if math.dist(pwc[k], xy[u]) <= radius]
            area[u] = sum(children[k] * idaci[k] for k in near) / sum(children[k] for k in near)
        urns = sorted(spc)
        slope, intercept = np.polyfit([area[u] for u in urns], [fsm[u] / n[u] for u in urns], 1)
        return {u: intercept + slope * area[u] for u in urns}
    assert set(_least_representative(folder, residential)[:3]) == PLANTED


def test_synthetic_md_names_the_planted_schools(folder):
    text = (folder / "SYNTHETIC.md").read_text(encoding="utf-8")
    planted = {int(m) for m in re.findall(r"^\| (\d{6}) \|[^\n]*\| PLANTED \|", text, flags=re.M)}
    assert planted == PLANTED


def test_headers_match_the_real_files(folder, real):
    def header(path, encoding="utf-8-sig"):
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt", encoding=encoding, newline="") as fh:
            return next(csv.reader(fh))

    def ours(name, encoding="utf-8-sig"):
        return next(csv.reader(io.StringIO((folder / name).read_bytes().decode(encoding))))

    assert ours(SPC) == header(real / "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz")
    assert ours("synthetic_File_7a_IoD2019_scores.csv") == header(real / "iod2019/File_7a_IoD2019_income_IDACI_IDAOPI_scores_EW.csv.gz")
    assert ours("synthetic_LSOA_2021_PWC.csv") == header(real / "geography/LSOA_Dec_2021_PWC_EW.csv.gz")
    assert ours("synthetic_LSOA11_to_LSOA21_lookup.csv") == header(real / "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz")
    assert ours("synthetic_census2021_lsoa21_population_by_age.csv") == header(real / "population/census2021_lsoa21_usual_residents_by_age6.csv.gz")
    assert ours("synthetic_b1_children_in_need.csv") == header(real / "cin/b1_children_in_need_2013_to_2025.csv.gz")
    assert ours("synthetic_ons_mid-year_population_estimates_0_to_17.csv") == header(real / "cin/ons_mid-year_population_estimates_2012_to_2024.csv.gz")
    assert ours("synthetic_links_edubasealldata20240901.csv", "cp1252") == header(real / "gias/links_edubasealldata20250422.csv.gz", "cp1252")
    assert ours("synthetic_alllinksdata20240901.csv", "cp1252") == header(real / "gias/gias_allgroupslinks_202203_ajb1970.csv.gz")[1:]
    gias = set(ours(GIAS, "cp1252"))
    assert set(header(real / "gias/edubasealldata20250524_reheadered_subset.csv.gz", "cp1252")) <= gias
    hampshire = set(header(real / "gias/gias_hampshire850_surrey936_primary_20220420_original_headers.csv.gz"))
    assert hampshire - gias == {"Linked establishments"}      # a column of the search download, not edubasealldata
