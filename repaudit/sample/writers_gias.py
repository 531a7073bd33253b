"""GIAS-style files: edubasealldata (cp1252, every field quoted, CRLF), group links and URN links."""
from __future__ import annotations

import math

from .csvtext import csv_bytes, pct
from .model import Sample
from .region import (CENSUS_DATE, COUNTY, GIAS_DATE, LA_CODE, LA_NAME, LA_ONS_CODE, PCON_CODE, PCON_NAME,
                     REGION_NAME, WARD_CODE, YEARS)
from .schools import CONVERSION, TYPES, School

# The edubasealldata header as GIAS publishes it (2021 onwards), plus the later `FSM` count column.
GIAS_HEADER = [
    "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName", "TypeOfEstablishment (code)",
    "TypeOfEstablishment (name)", "EstablishmentTypeGroup (code)", "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (code)", "EstablishmentStatus (name)", "ReasonEstablishmentOpened (code)",
    "ReasonEstablishmentOpened (name)", "OpenDate", "ReasonEstablishmentClosed (code)",
    "ReasonEstablishmentClosed (name)", "CloseDate", "PhaseOfEducation (code)", "PhaseOfEducation (name)",
    "StatutoryLowAge", "StatutoryHighAge", "Boarders (code)", "Boarders (name)", "NurseryProvision (name)",
    "OfficialSixthForm (code)", "OfficialSixthForm (name)", "Gender (code)", "Gender (name)",
    "ReligiousCharacter (code)", "ReligiousCharacter (name)", "ReligiousEthos (name)", "Diocese (code)",
    "Diocese (name)", "AdmissionsPolicy (code)", "AdmissionsPolicy (name)", "SchoolCapacity",
    "SpecialClasses (code)", "SpecialClasses (name)", "CensusDate", "NumberOfPupils", "NumberOfBoys",
    "NumberOfGirls", "PercentageFSM", "TrustSchoolFlag (code)", "TrustSchoolFlag (name)", "Trusts (code)",
    "Trusts (name)", "SchoolSponsorFlag (name)", "SchoolSponsors (name)", "FederationFlag (name)",
    "Federations (code)", "Federations (name)", "UKPRN", "FEHEIdentifier", "FurtherEducationType (name)",
    "OfstedLastInsp", "OfstedSpecialMeasures (code)", "OfstedSpecialMeasures (name)", "LastChangedDate",
    "Street", "Locality", "Address3", "Town", "County (name)", "Postcode", "SchoolWebsite", "TelephoneNum",
    "HeadTitle (name)", "HeadFirstName", "HeadLastName", "HeadPreferredJobTitle", "BSOInspectorateName (name)",
    "InspectorateReport", "DateOfLastInspectionVisit", "NextInspectionVisit", "TeenMoth (name)",
    "TeenMothPlaces", "CCF (name)", "SENPRU (name)", "EBD (name)", "PlacesPRU", "FTProv (name)",
    "EdByOther (name)", "Section41Approved (name)", "SEN1 (name)", "SEN2 (name)", "SEN3 (name)",
    "SEN4 (name)", "SEN5 (name)", "SEN6 (name)", "SEN7 (name)", "SEN8 (name)", "SEN9 (name)", "SEN10 (name)",
    "SEN11 (name)", "SEN12 (name)", "SEN13 (name)", "TypeOfResourcedProvision (name)",
    "ResourcedProvisionOnRoll", "ResourcedProvisionCapacity", "SenUnitOnRoll", "SenUnitCapacity",
    "GOR (code)", "GOR (name)", "DistrictAdministrative (code)", "DistrictAdministrative (name)",
    "AdministrativeWard (code)", "AdministrativeWard (name)", "ParliamentaryConstituency (code)",
    "ParliamentaryConstituency (name)", "UrbanRural (code)", "UrbanRural (name)", "GSSLACode (name)",
    "Easting", "Northing", "CensusAreaStatisticWard (name)", "MSOA (name)", "LSOA (name)",
    "InspectorateName (name)", "SENStat", "SENNoStat", "BoardingEstablishment (name)", "PropsName",
    "PreviousLA (code)", "PreviousLA (name)", "PreviousEstablishmentNumber", "OfstedRating (name)",
    "RSCRegion (name)", "Country (name)", "UPRN", "SiteName", "QABName (code)", "QABName (name)",
    "EstablishmentAccredited (code)", "EstablishmentAccredited (name)", "QABReport", "CHNumber",
    "MSOA (code)", "LSOA (code)", "FSM",
]
GROUP_LINKS_HEADER = [
    "URN", "Group UID", "Group ID", "Group Name", "Companies House Number", "Group Type (code)", "Group Type",
    "Closed Date", "Open date", "Incorporated on (open date)", "Group Status (code)", "Group Status",
    "Joined date", "EstablishmentName", "TypeOfEstablishment (code)", "TypeOfEstablishment (name)",
    "PhaseOfEducation (code)", "PhaseOfEducation (name)", "LA (code)", "LA (name)",
]
LINKS_HEADER = ["URN", "LinkURN", "LinkName", "LinkType", "LinkEstablishedDate"]
PHASE_CODES = {"Not applicable": "0", "Primary": "2", "Secondary": "4"}
AGES = {"Primary": (4, 11), "Secondary": (11, 16), "Not applicable": (4, 16)}
NOT_APPLICABLE = ("BSOInspectorateName (name)", "TeenMoth (name)", "CCF (name)", "SENPRU (name)",
                  "EBD (name)", "EdByOther (name)", "Section41Approved (name)", "FurtherEducationType (name)",
                  "QABName (name)", "EstablishmentAccredited (name)", "SchoolSponsorFlag (name)",
                  "OfstedSpecialMeasures (name)", "TypeOfResourcedProvision (name)")


def postcode(n: int) -> str:
    """Clearly fake postcodes: the ZZ area does not exist."""
    return f"ZZ{1 + n // 10} {n % 10}SY"


def edubasealldata(sample: Sample) -> bytes:
    rows = [[_gias_fields(sample, n, s).get(c, "") for c in GIAS_HEADER] for n, s in enumerate(sample.schools)]
    return csv_bytes(GIAS_HEADER, rows, quote_all=True, encoding="cp1252", crlf=True)


def _gias_fields(sample: Sample, n: int, s: School) -> dict:
    geo = sample.geo
    last = max(s.years)
    counts = sample.intake.totals[(s.urn, last)]
    detail = sample.details[(s.urn, last)]
    type_code, group_name, group_code, _ = TYPES[s.type_name]
    academy = group_name == "Academies"
    low, high = AGES[s.phase]
    fields = {c: "Not applicable" for c in NOT_APPLICABLE}
    fields.update({
        "URN": s.urn, "LA (code)": LA_CODE, "LA (name)": LA_NAME, "EstablishmentNumber": s.estab,
        "EstablishmentName": s.name, "TypeOfEstablishment (code)": type_code, "TypeOfEstablishment (name)": s.type_name,
        "EstablishmentTypeGroup (code)": group_code, "EstablishmentTypeGroup (name)": group_name,
        "EstablishmentStatus (code)": "2" if s.close_date else "1", "EstablishmentStatus (name)": s.status,
        "ReasonEstablishmentOpened (name)": "Academy Converter" if s.type_name == "Academy converter" else "Not applicable",
        "OpenDate": s.open_date,
        "ReasonEstablishmentClosed (name)": "Academy Converter" if s.close_date else "Not applicable",
        "CloseDate": s.close_date, "PhaseOfEducation (code)": PHASE_CODES[s.phase],
        "PhaseOfEducation (name)": s.phase, "StatutoryLowAge": low, "StatutoryHighAge": high,
        "Boarders (name)": "No boarders", "NurseryProvision (name)": "No Nursery Classes",
        "OfficialSixthForm (name)": "Does not have a sixth form" if s.phase == "Secondary" else "Not applicable",
        "Gender (name)": "Mixed",
        "ReligiousCharacter (name)": s.religion or ("Does not apply" if group_code == "4" else "None"),
        "ReligiousEthos (name)": s.religion or "Does not apply",
        "Diocese (name)": "Diocese of Sampleshire (synthetic)" if s.religion else "Not applicable",
        "AdmissionsPolicy (name)": s.admissions_policy,
        "SchoolCapacity": 30 * math.ceil(counts.pupils * 1.06 / 30),
        "SpecialClasses (name)": "No Special Classes",
        "CensusDate": CENSUS_DATE if last == YEARS[-1] else f"20-01-{last + 1}",
        "NumberOfPupils": counts.pupils, "NumberOfBoys": detail.boys, "NumberOfGirls": detail.girls,
        "PercentageFSM": pct(counts.fsm, counts.pupils), "FSM": "" if counts.fsm is None else counts.fsm,
        "TrustSchoolFlag (name)": "Supported by a multi-academy trust" if s.trust else "Not applicable",
        "Trusts (code)": s.trust.uid if s.trust else "", "Trusts (name)": s.trust.name if s.trust else "",
        "FederationFlag (name)": "Not applicable" if academy else "Not under a federation",
        "LastChangedDate": f"{GIAS_DATE[6:]}-{GIAS_DATE[4:6]}-{GIAS_DATE[:4]}",
        "Street": "School Lane", "Town": "Sampleton (synthetic)", "County (name)": COUNTY,
        "Postcode": postcode(n), "GOR (name)": REGION_NAME,
        "DistrictAdministrative (code)": LA_ONS_CODE, "DistrictAdministrative (name)": LA_NAME,
        "AdministrativeWard (code)": WARD_CODE, "AdministrativeWard (name)": "Sampleton Central (synthetic)",
        "ParliamentaryConstituency (code)": PCON_CODE, "ParliamentaryConstituency (name)": PCON_NAME,
        "UrbanRural (name)": "(England/Wales) Urban city and town", "GSSLACode (name)": LA_ONS_CODE,
        "Easting": s.easting, "Northing": s.northing, "MSOA (name)": geo.msoa_names[s.lsoa],
        "LSOA (name)": geo.names[s.lsoa], "RSCRegion (name)": "East Midlands and the Humber",
        "MSOA (code)": geo.msoa_codes[s.lsoa], "LSOA (code)": geo.codes[s.lsoa],
    })
    return fields


def group_links(sample: Sample) -> bytes:
    """GIAS 'all group links' (alllinksdata): one row per academy and its multi-academy trust."""
    rows = []
    for s in sample.schools:
        if not s.trust:
            continue
        type_code = TYPES[s.type_name][0]
        rows.append([s.urn, s.trust.uid, s.trust.group_id, s.trust.name, "", "06", "Multi-academy trust", "",
                     "", s.trust.incorporated, "OPEN", "Open", s.open_date, s.name, type_code, s.type_name,
                     PHASE_CODES[s.phase], s.phase, LA_CODE, LA_NAME])
    return csv_bytes(GROUP_LINKS_HEADER, rows, quote_all=True, encoding="cp1252", crlf=True)


def links(sample: Sample) -> bytes:
    """GIAS links: the academy conversion, once from each side."""
    pred, succ = sample.school(CONVERSION[0]), sample.school(CONVERSION[1])
    rows = [[pred.urn, succ.urn, succ.name, "Successor", succ.open_date],
            [succ.urn, pred.urn, pred.name, "Predecessor", succ.open_date]]
    return csv_bytes(LINKS_HEADER, rows, quote_all=True, encoding="cp1252", crlf=True)
