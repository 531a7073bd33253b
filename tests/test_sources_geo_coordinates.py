"""Coordinates checked against England and Wales: hand-placed points of each kind, every real LSOA centroid,
school and local authority outline inside, real centroids written swapped put back exactly, and the GIAS loader
rejecting or correcting rows with the reason said."""
import numpy as np
import pandas as pd
import pyogrio
import pytest

from repaudit.errors import GeometryError
from repaudit.load import load_file
from repaudit.sources import gias, lsoa_centroids
from repaudit.sources.coordinates import MARGIN, check_points, features_outside

PWC = "geography/LSOA_Dec_2021_PWC_EW.csv.gz"
GIAS = "gias/edubasealldata20250524_reheadered_subset.csv.gz"


def test_each_kind_of_point_gets_its_own_answer():
    x = [530_000.0, 180_000.0, -0.1278, 0.0, 325_000.0, 700_000.0, np.nan, 90_900.0]
    y = [180_000.0, 530_000.0, 51.5074, 0.0, 673_000.0, 300_000.0, 1.0, 10_700.0]
    check = check_points(x, y)
    assert list(check.reasons[[0, 1, 6, 7]]) == [None, None, None, None]   # London, swapped London, NaN, Scilly
    assert (check.x[1], check.y[1]) == (530_000.0, 180_000.0) and list(np.flatnonzero(check.swapped)) == [1]
    assert check.reasons[2] == ("easting -0.1278, northing 51.5074 look like longitude/latitude degrees, not British "
                                "National Grid metres: convert them to eastings and northings (EPSG:27700)")
    assert check.reasons[3] == "easting 0, northing 0 is no location (a placeholder for a missing one)"
    assert check.reasons[4] == ("easting 325,000, northing 673,000 lies outside England and Wales (in Scotland or "
                                "the Isle of Man)")                                         # Edinburgh
    assert check.reasons[5].startswith("easting 700,000, northing 300,000 lies in the sea or outside Great Britain")
    assert check.swap_note([2, 3, 4, 5, 6, 7, 8, 9]) == (
        "1 row had easting and northing swapped (rows 3): the values lie outside England and Wales as given and "
        "inside when exchanged, so they were exchanged")


def test_the_sea_starts_beyond_the_margin():
    # 1.76E 52.48N is Lowestoft Ness, the outline's most easterly point: due east of it lies open sea
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(1.76, 52.48)
    check = check_points([x + MARGIN - 500, x + MARGIN + 5_000], [y, y])
    assert check.reasons[0] is None
    assert check.reasons[1].endswith("(15 km from the coast of England and Wales)")


def test_every_real_lsoa_centroid_lies_in_england_and_wales(real):
    frame = pd.read_csv(real / PWC)
    check = check_points(frame.x.to_numpy(), frame.y.to_numpy())
    assert len(frame) == 35_672
    assert pd.isna(check.reasons).all() and not check.swapped.any()


def test_real_centroids_written_swapped_are_put_back_exactly_or_rejected(real):
    frame = pd.read_csv(real / PWC)
    check = check_points(frame.y.to_numpy(), frame.x.to_numpy())
    fixed, rejected = check.swapped, pd.notna(check.reasons)
    assert not (fixed & rejected).any()
    assert np.array_equal(check.x[fixed], frame.x.to_numpy()[fixed])
    assert np.array_equal(check.y[fixed], frame.y.to_numpy()[fixed])
    # a swap is told apart when the exchanged point leaves the land: more than half of all LSOAs
    assert fixed.sum() > len(frame) / 2
    left = ~fixed & ~rejected                     # still on land in England or Wales when exchanged
    assert pd.isna(check_points(frame.x.to_numpy()[left], frame.y.to_numpy()[left]).reasons).all()


def test_every_local_authority_outline_reaches_into_england_and_wales(real):
    lads = pyogrio.read_dataframe(f"/vsigzip/{real / 'geography/LAD22_outlines_EW.geojson.gz'}").to_crs(27700)
    assert len(lads) == 327 and not features_outside(lads.geometry.to_numpy()).any()


def test_real_gias_keeps_offshore_schools_without_their_location(real, wh):
    raw = pd.read_csv(real / GIAS, encoding="cp1252", dtype=str, keep_default_na=False)
    offshore = raw["LA (name)"].str.endswith("Offshore Establishments")
    placed = ~raw.Easting.isin(["", "0"])
    zero = raw.Easting.eq("0") & raw.Northing.eq("0")
    result = load_file(wh, "gias", real / GIAS)
    assert (result.rows_loaded, result.rows_rejected) == (len(raw), 0)
    location_notes = [n for n in result.notes if "Easting 0" in n or "Scotland" in n]
    assert f"{int(zero.sum())} schools have Easting 0, Northing 0" in location_notes[0]
    assert location_notes[1].startswith(f"{int((offshore & placed).sum())} schools lie in Scotland or the Isle of Man")
    unplaced = set(wh.df("SELECT urn FROM schools WHERE easting IS NULL").urn)
    assert unplaced == set(raw.URN[~placed | offshore].astype(int))
    assert not unplaced & set(raw.URN[placed & ~offshore].astype(int))


def write_gias(path, rows):
    path.write_text("URN,EstablishmentName,Easting,Northing\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


def test_gias_rows_are_corrected_or_rejected_with_their_reason(tmp_path):
    path = write_gias(tmp_path / "g.csv", ["100001,Near,530000,180000", "100002,Swapped,180000,530000",
                                           "100003,Degrees,-0.1278,51.5074", "100004,Offshore,0,0",
                                           "100005,Sea,700000,300000", "100006,Blank,,",
                                           "100007,Edinburgh,325000,673000"])
    result = gias.read(path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (7, 5, 2)
    assert list(result.rejects.row_number) == [4, 6]
    assert result.rejects.reason[0].startswith("Easting -0.1278, Northing 51.5074 look like longitude/latitude")
    assert result.rejects.reason[1].startswith("Easting 700,000, Northing 300,000 lies in the sea")
    frame = result.tables[0].frame.set_index("urn")
    assert (frame.easting[100002], frame.northing[100002]) == (530_000, 180_000)
    assert frame.easting[[100004, 100006, 100007]].isna().all() and frame.northing[100007] != frame.northing[100007]
    assert result.notes[0].startswith("1 school has Easting 0, Northing 0")
    assert result.notes[1] == ("1 school lies in Scotland or the Isle of Man, outside England and Wales: stored "
                               "without a location (URN 100007)")
    assert "1 row had Easting and Northing swapped (rows 3)" in result.notes[2]


def test_centroid_csv_swaps_are_said_and_stored_the_right_way_round(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("LSOA21CD,x,y\nE01000001,530000,180000\nE01000002,180500,530500\n")
    result = lsoa_centroids.read(path)
    assert result.tables[0].frame[["easting", "northing"]].to_numpy().tolist() == [[530000, 180000], [530500, 180500]]
    assert result.notes == ["1 row had x and y swapped (rows 3): the values lie outside England and Wales as given "
                            "and inside when exchanged, so they were exchanged"]


def test_points_far_out_are_named_in_the_error_when_every_point_is_out(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("LSOA21CD,x,y\nE01000001,0,0\nE01000002,0,0\n")
    with pytest.raises(GeometryError, match="every point lies outside England and Wales .e.g. x 0, y 0 is no location"):
        lsoa_centroids.read(path)
