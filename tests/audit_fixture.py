"""A tiny warehouse worked by hand: three secondary schools on a line, four LSOAs, a few schools that
must be excluded with a reason. The expected numbers are worked out in tests/test_audit_models.py.

    x (km):  0      0.5?    1    1.5        9     10     11
    schools: A(1)           B(2)                  C(3)
    LSOAs:   L1 (0, 0.5)         L2 (1.5, 0)  L3        L4
"""
import pandas as pd

X0, Y0 = 530000.0, 105000.0          # somewhere in England; the drawing above is relative to this

SCHOOL_COLUMNS = dict(la_code="900", la_name="Testshire", region="Test Region", status="Open", phase="Secondary",
                      type="Community school", type_group="Local authority maintained schools",
                      admissions_policy="Non-selective", religious_character="Does not apply")


def insert(wh, table, rows):
    frame = pd.DataFrame(rows)
    wh.con.register("_rows", frame)
    wh.con.execute(f"insert into {table} by name select * from _rows")
    wh.con.unregister("_rows")


def school(urn, name, easting, northing, pupils, **kw):
    return {**SCHOOL_COLUMNS, "urn": urn, "name": name, "pupils": pupils,
            "easting": None if easting is None else X0 + easting,
            "northing": None if northing is None else Y0 + northing, **kw}


def build(wh, flows=True, catchments=True, rates=True, idaci=True):
    insert(wh, "schools", [
        school(1, "A Academy", 0.0, 0.0, 100, type="Academy converter", type_group="Academies",
               trust_code="T1", trust_name="Trust One"),
        school(2, "B Academy", 1000.0, 0.0, 100, type="Academy sponsor led", type_group="Academies",
               trust_code="T1", trust_name="Trust One"),
        school(3, "C School", 10000.0, 0.0, 200),
        school(4, "D Independent", 500.0, 0.0, 300, type="Other independent school",
               type_group="Independent schools", phase="Not applicable"),
        school(5, "E Special", 600.0, 0.0, 50, type="Community special school", type_group="Special schools",
               phase="Not applicable"),
        school(6, "F Nowhere", None, None, 50, la_code="901", la_name="Otherton"),
        school(7, "G Closed", 700.0, 0.0, 0, status="Closed"),
        school(8, "H No Data", 800.0, 0.0, 100),
        school(9, "I Empty", 900.0, 0.0, 0),
    ])
    insert(wh, "school_indicators", [
        {"urn": 1, "year": 2022, "indicator": "fsm", "numerator": 10, "denominator": 100},
        {"urn": 2, "year": 2022, "indicator": "fsm", "numerator": 30, "denominator": 100},
        {"urn": 3, "year": 2022, "indicator": "fsm", "numerator": 50, "denominator": 200},
        {"urn": 4, "year": 2022, "indicator": "fsm", "numerator": 3, "denominator": 300},
        {"urn": 6, "year": 2022, "indicator": "fsm", "numerator": 5, "denominator": 50},
    ])
    insert(wh, "lsoa_centroids", [
        {"lsoa": "L1", "lsoa_vintage": 2021, "easting": X0 + 0.0, "northing": Y0 + 500.0},
        {"lsoa": "L2", "lsoa_vintage": 2021, "easting": X0 + 1500.0, "northing": Y0 + 0.0},
        {"lsoa": "L3", "lsoa_vintage": 2021, "easting": X0 + 9000.0, "northing": Y0 + 0.0},
        {"lsoa": "L4", "lsoa_vintage": 2021, "easting": X0 + 11000.0, "northing": Y0 + 0.0},
    ])
    insert(wh, "lsoa_population", [
        {"lsoa": code, "lsoa_vintage": 2021, "year": 2021, "age_band": "Aged 11 to 15 years", "age_min": 11,
         "age_max": 15, "population": pop}
        for code, pop in (("L1", 100), ("L2", 200), ("L3", 100), ("L4", 300))
    ])
    if rates:
        insert(wh, "lsoa_rates", [
            {"lsoa": code, "year": 2022, "indicator": "fsm", "rate": r}
            for code, r in (("L1", 0.1), ("L2", 0.3), ("L3", 0.5), ("L4", 0.2))
        ])
    if idaci:
        insert(wh, "lsoa_deprivation", [
            {"lsoa": code, "lsoa_vintage": 2021, "year": 2019, "measure": "idaci", "score": r}
            for code, r in (("L1", 0.1), ("L2", 0.3), ("L3", 0.5), ("L4", 0.2))
        ])
    if flows:
        insert(wh, "flows", [
            {"urn": u, "lsoa": lsoa, "year": 2022, "pupils": p, "fsm": f}
            for u, lsoa, p, f in ((1, "L1", 60, 5), (1, "L2", 40, 5), (2, "L1", 30, 10), (2, "L2", 70, 20),
                                  (3, "L3", 100, 30), (3, "L4", 100, 20))
        ])
    if catchments:
        for cid, name, x0, x1 in (("W", "West", -2000, 1200), ("E", "East", 1200, 15000)):
            box = ", ".join(f"{X0 + x} {Y0 + y}" for x, y in ((x0, -2000), (x1, -2000), (x1, 2000), (x0, 2000),
                                                               (x0, -2000)))
            wh.con.execute("insert into catchments (layer, catchment_id, name, geom, loaded_at) values "
                           f"('test_layer', ?, ?, st_geomfromtext('POLYGON(({box}))'), now())", [cid, name])


def audit_own_rates(wh, **kwargs):
    """repaudit.audit with each model's own community rates (conserve=false): the small hand-worked
    fixtures check the models' definitions; the rescaling that makes communities add up over England is
    tested in test_audit_conservation.py."""
    from repaudit.auditing.run import audit

    params = {"conserve": False, **(kwargs.pop("params", None) or {})}
    return audit(wh, params=params, **kwargs)
