"""The bundled sample's files: name, the `repaudit load` SOURCE that reads it, and its writer."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import writers_census, writers_geo, writers_gias, writers_user
from .model import Sample
from .region import GIAS_DATE


@dataclass(frozen=True)
class SampleFile:
    name: str
    source: str
    write: Callable[[Sample], bytes]
    what: str


SAMPLE_FILES = (   # in load order: areas first, then schools, then what refers to both
    SampleFile("synthetic_lsoa21_boundaries.geojson", "lsoa-boundaries", writers_geo.lsoa_boundaries,
               "LSOA polygons, GeoJSON in EPSG:27700 (ONS boundary layout)"),
    SampleFile("synthetic_LSOA_2021_PWC.csv", "lsoa-centroids", writers_geo.centroids,
               "population-weighted centroids (ONS PWC layout, BOM, CRLF)"),
    SampleFile("synthetic_LSOA11_to_LSOA21_lookup.csv", "lsoa-lookup", writers_geo.lookup,
               "LSOA 2011 -> 2021 lookup (all unchanged, CHGIND U)"),
    SampleFile("synthetic_census2021_lsoa21_population_by_age.csv", "population", writers_geo.population,
               "Census 2021 usual residents by LSOA and five-year age band"),
    SampleFile("synthetic_File_7a_IoD2019_scores.csv", "iod", writers_geo.deprivation,
               "IoD2019 File 7a layout: income, IDACI, IDAOPI scores and ranks"),
    SampleFile(f"synthetic_edubasealldata{GIAS_DATE}.csv", "gias", writers_gias.edubasealldata,
               "GIAS establishments: original headers, cp1252, every field quoted"),
    SampleFile(f"synthetic_alllinksdata{GIAS_DATE}.csv", "gias-groups", writers_gias.group_links,
               "GIAS group links: academy -> multi-academy trust"),
    SampleFile(f"synthetic_links_edubasealldata{GIAS_DATE}.csv", "gias-links", writers_gias.links,
               "GIAS links: one academy conversion (predecessor / successor)"),
    SampleFile("synthetic_spc_school_level_underlying_data.csv", "spc", writers_census.spc,
               "SPC school level, 2022/23 column names, time_period 202122-202324"),
    SampleFile("synthetic_sen_school_level_ud.csv", "sen", writers_census.sen,
               "SEN school level (EES): SEN support and EHC plans, three years"),
    SampleFile("synthetic_b1_children_in_need.csv", "cin", writers_census.children_in_need_la,
               "EES children in need table B1, rows for the synthetic LA"),
    SampleFile("synthetic_ons_mid-year_population_estimates_0_to_17.csv", "cin", writers_census.population_la,
               "ONS 0-17 population of the synthetic LA (for CIN rates)"),
    SampleFile("synthetic_cin_schools.csv", "cin-schools", writers_user.cin_schools,
               "a user's own file: children in need per school and year"),
    SampleFile("synthetic_flows.csv", "flows", writers_user.flows,
               "a user's own file: residence flows (urn, lsoa, pupils, fsm, sen, year)"),
    SampleFile("synthetic_secondary_catchments.geojson", "catchments", writers_geo.catchments,
               "secondary catchment polygons with a `catchment` name (EPSG:27700)"),
)
