"""Where the official open files live: one entry per kind `repaudit fetch` knows.

Publishers move files; each entry names its landing page so a user can find the new address and
pass it with `--base-url` (a mirror serving the same paths). `how` says how the address is found:
- `gias-daily`: GIAS publishes a file per day and no 'latest' alias; walk back from a date.
- `ees-release`: Explore Education Statistics; read the publication's latest release page for the
  release id, then take its 'download all data' ZIP and extract one member.
- `arcgis-layer`: an ONS ArcGIS feature layer, paged 2,000 features at a time into one GeoJSON file.
- `file`: a plain file (or a ZIP and the member to extract).
"""
from __future__ import annotations

from dataclasses import dataclass

GIAS_BASE = "https://ea-edubase-api-prod.azurewebsites.net/edubase/downloads/public/"
EES_PAGE = "https://explore-education-statistics.service.gov.uk/find-statistics/"
EES_FILES = "https://content.explore-education-statistics.service.gov.uk/api/releases/{release}/files"
ONS_HUB = "https://open-geography-portalx-ons.hub.arcgis.com/api/download/v1/items/"
ONS_LAYERS = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"


@dataclass(frozen=True)
class Entry:
    """One downloadable file: which SOURCE loads it and how its address is found."""

    kind: str                 # what the user names on the command line
    source: str               # the `repaudit load` SOURCE for the file
    how: str                  # gias-daily, ees-release, arcgis-layer or file
    url: str                  # address (a template for gias-daily: {date} = YYYYMMDD)
    filename: str             # name in the cache ({date} filled for gias-daily)
    member: str = ""          # for ZIPs: regular expression for the file name of the member to extract
    where: str = "1=1"        # for arcgis-layer: which features to ask for (an ArcGIS SQL condition)
    landing: str = ""         # the human page to check when the address moves
    publisher: str = ""


CATALOGUE = (
    Entry("gias", "gias", "gias-daily", GIAS_BASE + "edubasealldata{date}.csv", "edubasealldata{date}.csv",
          landing="https://get-information-schools.service.gov.uk/Downloads", publisher="DfE, Get Information About Schools"),
    Entry("gias", "gias-groups", "gias-daily", GIAS_BASE + "alllinksdata{date}.csv", "alllinksdata{date}.csv",
          landing="https://get-information-schools.service.gov.uk/Downloads", publisher="DfE, Get Information About Schools"),
    Entry("gias", "gias-links", "gias-daily", GIAS_BASE + "links_edubasealldata{date}.csv", "links_edubasealldata{date}.csv",
          landing="https://get-information-schools.service.gov.uk/Downloads", publisher="DfE, Get Information About Schools"),
    Entry("spc", "spc", "ees-release", EES_PAGE + "school-pupils-and-their-characteristics",
          "spc_school_level_underlying_data.csv", member=r"spc_school_level_underlying_data[\w-]*\.csv",
          landing=EES_PAGE + "school-pupils-and-their-characteristics", publisher="DfE, Explore Education Statistics"),
    Entry("sen", "sen", "ees-release", EES_PAGE + "special-educational-needs-in-england",
          "sen_school_level_underlying_data.csv", member=r"sen_school_level_(underlying_data|ud)[\w-]*\.csv",
          landing=EES_PAGE + "special-educational-needs-in-england", publisher="DfE, Explore Education Statistics"),
    Entry("iod", "iod", "file",
          "https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/file/845345/"
          "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv",
          "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv",
          landing="https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019", publisher="MHCLG"),
    Entry("lsoa-boundaries", "lsoa-boundaries", "file",
          ONS_HUB + "68515293204e43ca8ab56fa13ae8a547/geojson?layers=0",
          "LSOA_Dec_2021_Boundaries_EW_BGC_V5.geojson",
          landing="https://geoportal.statistics.gov.uk/datasets/68515293204e43ca8ab56fa13ae8a547_0", publisher="ONS"),
    Entry("lsoa-centroids", "lsoa-centroids", "arcgis-layer",
          ONS_LAYERS + "LSOA_PopCentroids_EW_2021_V4/FeatureServer/0/query", "LSOA_PopCentroids_EW_2021_V4.geojson",
          landing="https://geoportal.statistics.gov.uk/ (search: LSOA Dec 2021 population weighted centroids)",
          publisher="ONS"),
    Entry("la-boundaries", "la-boundaries", "arcgis-layer",
          ONS_LAYERS + "Local_Authority_Districts_December_2022_UK_BUC_V2/FeatureServer/0/query",
          "Local_Authority_Districts_December_2022_UK_BUC_V2.geojson", where="LAD22CD LIKE 'E%' OR LAD22CD LIKE 'W%'",
          landing="https://geoportal.statistics.gov.uk/ (search: Local Authority Districts December 2022 Boundaries "
                  "UK BUC)", publisher="ONS"),
    Entry("lsoa-lookup", "lsoa-lookup", "file", ONS_HUB + "cbfe64cc03d74af982c1afec639bafd1/csv?layers=0",
          "LSOA11_LSOA21_LAD22_EW_LU_exact_fit.csv",
          landing="https://geoportal.statistics.gov.uk/ (search: LSOA 2011 to LSOA 2021 to LAD 2022 exact fit lookup)",
          publisher="ONS"),
    Entry("population", "population", "file", "https://www.nomisweb.co.uk/output/census/2021/census2021-ts007a.zip",
          "census2021-ts007a-lsoa.csv", member=r"census2021-ts007a-lsoa\.csv",
          landing="https://www.nomisweb.co.uk/sources/census_2021_bulk", publisher="ONS Census 2021 (NOMIS)"),
)

KINDS = tuple(dict.fromkeys(e.kind for e in CATALOGUE))


def entries(kinds=None) -> list[Entry]:
    """Catalogue entries for KINDS (all when empty), in catalogue order."""
    wanted = set(kinds or KINDS)
    return [e for e in CATALOGUE if e.kind in wanted]
