"""The real public files in ../shared/data/real that have a SOURCE, with the options each needs:
one list for the all-files load test and the load benchmark; and the national set the audit tests and
the audit benchmark load (GIAS 2025 and its links and group links, SPC 2022/23, SEN 2018/19, IoD2019 IDACI through
the ONS lookup, 2021 centroids and Census 2021 population)."""

REAL_FILES = [
    ("gias", "gias/edubasealldata20250524_reheadered_subset.csv.gz", {}),
    ("gias", "gias/gias_hampshire850_surrey936_primary_20220420_original_headers.csv.gz", {}),
    ("gias-groups", "gias/gias_allgroupslinks_202203_ajb1970.csv.gz", {}),
    ("gias-links", "gias/links_edubasealldata20250422.csv.gz", {}),
    ("spc", "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz", {}),
    ("sen", "spc_sen/performance_tables_england_census_KSPDeveloper.csv.gz", {"year": 2018}),
    ("cin", "cin/b1_children_in_need_2013_to_2025.csv.gz", {}),
    ("cin", "cin/ons_mid-year_population_estimates_2012_to_2024.csv.gz", {}),
    ("iod", "iod2019/File_7a_IoD2019_income_IDACI_IDAOPI_scores_EW.csv.gz", {}),
    ("iod", "iod2019/File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.csv.gz", {}),
    ("iod", "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz", {}),
    ("lsoa-lookup", "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz", {}),
    ("lsoa-lookup", "geography/LSOA11_to_CCG21_to_LAD21_Lookup_England.csv.gz", {}),
    ("lsoa-centroids", "geography/lsoa2011_centroids_EW_hack25usefuldata.csv.gz", {}),
    ("lsoa-centroids", "geography/LSOA_Dec_2021_PWC_EW.csv.gz", {}),
    ("lsoa-boundaries", "geography/london_lsoa2011/LSOA_2011_London_gen_MHW.shp", {}),
    ("population", "population/census2021_lsoa21_usual_residents_by_age6.csv.gz", {}),
    ("catchments", "brighton/catchments/catchulator_catchment_01.geojson", {}),
    ("catchments", "brighton/catchments/catchulator_catchment_02.geojson", {}),
    ("catchments", "brighton/catchments/catchulator_catchment_03.geojson", {}),
    ("catchments", "brighton/catchments/catchulator_catchment_existing_converted.geojson", {}),
    ("catchments", "brighton/catchments/catchulator_catchment_z.geojson", {}),
    ("catchments", "brighton/catchments/dennett_optionZ_Mar25_epsg27700.geojson", {}),
]

NATIONAL_FILES = [
    ("gias", "gias/edubasealldata20250524_reheadered_subset.csv.gz", {}),
    ("gias-links", "gias/links_edubasealldata20250422.csv.gz", {}),
    ("gias-groups", "gias/gias_allgroupslinks_202203_ajb1970.csv.gz", {}),
    ("spc", "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz", {}),
    ("sen", "spc_sen/performance_tables_england_census_KSPDeveloper.csv.gz", {"year": 2018}),
    ("lsoa-lookup", "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz", {}),
    ("lsoa-centroids", "geography/LSOA_Dec_2021_PWC_EW.csv.gz", {}),
    ("population", "population/census2021_lsoa21_usual_residents_by_age6.csv.gz", {}),
    ("iod", "iod2019/File_7a_IoD2019_income_IDACI_IDAOPI_scores_EW.csv.gz", {}),
]


def load_national(db, folder) -> list[tuple[str, float, int]]:
    """Load NATIONAL_FILES from FOLDER into the warehouse file DB: (source, seconds, rows loaded) per file."""
    import time

    from repaudit.load import load_file
    from repaudit.warehouse import Warehouse

    done = []
    with Warehouse(db) as wh:
        for source, name, options in NATIONAL_FILES:
            started = time.perf_counter()
            result = load_file(wh, source, folder / name, **options)
            done.append((source, time.perf_counter() - started, result.rows_loaded))
    return done
