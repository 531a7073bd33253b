"""detect: which SOURCE a file looks like, from its header (geometry files by their format)."""
import pytest

from repaudit.sources.detect import GEOMETRY_SOURCES, SIGNATURES, sources_for_columns, sources_for_file
from repaudit.sources.reader import read_header

REAL_KINDS = {
    "gias/edubasealldata20250524_reheadered_subset.csv.gz": ["gias"],
    "gias/gias_hampshire850_surrey936_primary_20220420_original_headers.csv.gz": ["gias"],
    "gias/gias_allgroupslinks_202203_ajb1970.csv.gz": ["gias-groups"],
    "gias/links_edubasealldata20250422.csv.gz": ["gias-links"],
    "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz": ["spc"],
    "spc_sen/performance_tables_england_census_KSPDeveloper.csv.gz": ["census", "sen"],
    "cin/b1_children_in_need_2013_to_2025.csv.gz": ["cin"],
    "cin/ons_mid-year_population_estimates_2012_to_2024.csv.gz": ["cin"],
    "iod2019/File_7a_IoD2019_income_IDACI_IDAOPI_scores_EW.csv.gz": ["iod"],
    "iod2019/File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.csv.gz": ["iod"],
    "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz": ["lsoa-lookup"],
    "geography/LSOA_Dec_2021_PWC_EW.csv.gz": ["lsoa-centroids"],
    "population/census2021_lsoa21_usual_residents_by_age6.csv.gz": ["population"],
    "brighton/catchments/dennett_optionZ_Mar25_epsg27700.geojson": GEOMETRY_SOURCES,
    "iod2019/File_6_-_IoD2019_Population_Denominators.csv.gz": [],          # no SOURCE reads it
    "cin/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv.gz": [],
    "iod2019/File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.xlsx": [],   # not text: no header
}


@pytest.mark.parametrize("name", sorted(REAL_KINDS))
def test_each_real_file_is_recognised(real, name):
    assert sources_for_file(real / name) == REAL_KINDS[name]


def test_header_sniffing_reads_gzip_bom_and_cp1252(tmp_path, real):
    assert read_header(real / "spc_sen/performance_tables_england_census_KSPDeveloper.csv.gz")[:3] == ["URN", "LA", "ESTAB"]
    path = tmp_path / "g.csv"
    path.write_bytes('"URN","EstablishmentName"\r\n"1","École"\r\n'.encode("cp1252"))
    assert read_header(path) == ["URN", "EstablishmentName"]
    tabbed = tmp_path / "t.tsv"
    tabbed.write_text("urn\tlsoa\tpupils\n1\tE01000001\t3\n")
    assert sources_for_file(tabbed) == ["flows"]


@pytest.mark.parametrize("columns, kinds", [
    (["URN", "EstablishmentName", "Group UID"], ["gias-groups"]),                 # links also name the school
    (["urn", "lsoa", "pupils", "cin"], ["flows"]),                               # flows may carry CIN counts
    (["URN", "LSOA (code)", "NumberOfPupils", "EstablishmentName"], ["gias"]),    # a GIAS file is not flows
    (["urn", "year", "CIN count"], ["cin-schools"]),
    (["time_period", "URN", "Total pupils", "SEN support", "EHC plan"], ["sen"]),
    (["urn", "fsm_eligible", "headcount_total"], ["spc"]),
    (["school", "pupils"], []),
])
def test_signatures(columns, kinds):
    assert sources_for_columns(columns) == kinds


def test_every_signature_names_a_registered_source():
    from repaudit.load import SOURCES

    assert {s.source for s in SIGNATURES} | set(GEOMETRY_SOURCES) <= set(SOURCES)


def test_a_gias_file_without_establishment_name_is_still_called_gias(tmp_path, runner):
    from repaudit.cli import cli

    path = tmp_path / "edubase.csv"
    path.write_text("URN,LA (code),TypeOfEstablishment (name),EstablishmentStatus (name),NumberOfPupils,LSOA (code)\n"
                    "100000,201,Voluntary aided school,Open,250,E01000001\n")
    assert sources_for_file(path) == ["gias"]
    out = runner.invoke(cli, ["load", "gias", str(path), "--db", str(tmp_path / "w.duckdb")])
    assert out.exit_code == 1
    assert out.output == (f"Error: {path}: column EstablishmentName missing; otherwise this is a 'gias' file (its "
                          "other columns are those of one): add EstablishmentName or download the file again with "
                          "all its columns. Columns found: URN, LA (code), TypeOfEstablishment (name), "
                          "EstablishmentStatus (name), NumberOfPupils, LSOA (code)\n")
