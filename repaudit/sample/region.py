"""Identifiers of the synthetic region: clearly fake codes that cannot collide with real ones."""

LA_CODE = "990"                       # old three-digit LA code (real ones stop at 938)
LA_ONS_CODE = "E06099990"             # ONS unitary-authority style code, outside the real range
LA_NAME = "Sampleshire (synthetic)"
REGION_NAME = "East Midlands"         # where the grid sits; the region itself is real, nothing in it is
REGION_CODE = "E12000004"
COUNTY = "Sampleshire (synthetic)"
FIRST_URN = 990001
LSOA_PREFIX = "E01990"                # E01990001 ... (real LSOA codes end near E01035000)
MSOA_PREFIX = "E02990"
WARD_CODE = "E05990001"
PCON_CODE = "E14099990"
PCON_NAME = "Sampleshire (synthetic)"
YEARS = (2021, 2022, 2023)            # academic years 2021/22, 2022/23, 2023/24 (first calendar year)
GIAS_DATE = "20240901"                # the GIAS extract date the sample pretends to be
CENSUS_DATE = "18-01-2024"            # January 2024 census, the one GIAS would show in September 2024
IOD_YEAR = 2019


def time_period(year: int) -> str:
    """EES academic-year code: 2022 -> '202223'."""
    return f"{year}{(year + 1) % 100:02d}"


def academic_year_label(year: int) -> str:
    """Human academic-year label: 2022 -> '2022/23'."""
    return f"{year}/{(year + 1) % 100:02d}"
