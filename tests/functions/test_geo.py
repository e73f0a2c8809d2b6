"""geo_distance_2points, geo_point_in_circle and geo_point_in_polygon, checked against Kusto's documented examples."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from kqlite.errors import KqlSemanticError

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}

# The documented Manhattan polygon with a hole around Central Park.
MANHATTAN = {
    "type": "Polygon",
    "coordinates": [
        [[-73.92597198486328, 40.87821814104651], [-73.94691467285156, 40.85069618625578], [-73.94691467285156, 40.841865966890786], [-74.01008605957031, 40.7519385984599], [-74.01866912841797, 40.704586878965245], [-74.01214599609375, 40.699901911003046], [-73.99772644042969, 40.70875101828792], [-73.97747039794922, 40.71083299030839], [-73.97026062011719, 40.7290474687069], [-73.97506713867186, 40.734510840309376], [-73.970947265625, 40.74543623770158], [-73.94210815429688, 40.77586181063573], [-73.9434814453125, 40.78080140115127], [-73.92974853515625, 40.79691751000055], [-73.93077850341797, 40.804454347291006], [-73.93489837646484, 40.80965166748853], [-73.93524169921875, 40.837190668541105], [-73.92288208007812, 40.85770758108904], [-73.9101791381836, 40.871728144624974], [-73.92597198486328, 40.87821814104651]],
        [[-73.95824432373047, 40.80071852197889], [-73.98206233978271, 40.76815921628347], [-73.97309303283691, 40.76422632379533], [-73.94914627075195, 40.796949998204596], [-73.95824432373047, 40.80071852197889]],
    ],
}


def dynamic(shape: Any) -> str:
    return f"dynamic({json.dumps(shape)})"


def value(db: Any, query: str) -> Any:
    frame = db.query(query)
    assert frame.shape == (1, 1)
    item = frame.iloc[0, 0]
    if pd.isna(item):
        return None
    return item.item() if hasattr(item, "item") else item


def test_distance_documented_example(db):
    distance = value(db, "print distance_in_meters = geo_distance_2points(-122.407628, 47.578557, -118.275287, 34.019056)")
    assert distance == pytest.approx(1546754.35197381, abs=1e-6)


def test_distance_of_same_point_and_antipodes(db):
    assert value(db, "print geo_distance_2points(10, 20, 10, 20)") == 0.0
    assert value(db, "print geo_distance_2points(0, 0, 180, 0)") == pytest.approx(6371010.0 * 3.141592653589793)


@pytest.mark.parametrize(
    "arguments",
    ["181, 0, 0, 0", "0, -90.5, 0, 0", "0, 0, real(null), 0", "0, 0, 0, real(nan)"],
)
def test_distance_of_invalid_coordinates_is_null(db, arguments):
    assert value(db, f"print geo_distance_2points({arguments})") is None


def test_distance_accepts_boundary_coordinates(db):
    assert value(db, "print geo_distance_2points(-180, -90, 180, 90)") == pytest.approx(6371010.0 * 3.141592653589793)


def test_point_in_circle_documented_example(db):
    frame = db.query(
        "datatable(longitude:real, latitude:real, place:string)["
        " real(-122.317404), 47.609119, 'Seattle',"
        " real(-123.497688), 47.458098, 'Olympic National Forest',"
        " real(-122.201741), 47.677084, 'Kirkland',"
        " real(-122.443663), 47.247092, 'Tacoma',"
        " real(-122.121975), 47.671345, 'Redmond']"
        " | where geo_point_in_circle(longitude, latitude, -122.317404, 47.609119, 18000) | project place"
    )
    assert frame["place"].tolist() == ["Seattle", "Kirkland", "Redmond"]


@pytest.mark.parametrize("radius", ["0", "-5", "real(null)"])
def test_point_in_circle_needs_a_positive_radius(db, radius):
    assert value(db, f"print geo_point_in_circle(0, 0, 0, 0, {radius})") is None


def test_point_in_circle_of_invalid_point_is_null(db):
    assert value(db, "print geo_point_in_circle(0, 91, 0, 0, 10)") is None


def test_point_in_polygon_documented_example(db):
    frame = db.query(
        "datatable(longitude:real, latitude:real, description:string)["
        " real(-73.985654), 40.748487, 'Empire State Building',"
        " real(-73.963249), 40.779525, 'The Metropolitan Museum of Art',"
        " real(-73.874367), 40.777356, 'LaGuardia Airport']"
        f" | where geo_point_in_polygon(longitude, latitude, {dynamic(MANHATTAN)}) | project description"
    )
    assert frame["description"].tolist() == ["Empire State Building"]


def test_point_in_multipolygon(db):
    far_square = {"type": "Polygon", "coordinates": [[[10, 10], [12, 10], [12, 12], [10, 12], [10, 10]]]}
    multipolygon = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], far_square["coordinates"]]}
    frame = db.query(f"datatable(x:real, y:real)[1, 1, 11, 11, 5, 5] | extend inside = geo_point_in_polygon(x, y, {dynamic(multipolygon)})")
    assert frame["inside"].tolist() == [True, True, False]


def test_clockwise_ring_still_means_the_smaller_region(db):
    clockwise = {"type": "Polygon", "coordinates": [[[0, 0], [0, 2], [2, 2], [2, 0], [0, 0]]]}
    assert value(db, f"print geo_point_in_polygon(1, 1, {dynamic(clockwise)})") is True
    assert value(db, f"print geo_point_in_polygon(100, 1, {dynamic(clockwise)})") is False


def test_polygon_from_a_column(db):
    far_square = {"type": "Polygon", "coordinates": [[[10, 10], [12, 10], [12, 12], [10, 12], [10, 10]]]}
    frame = db.query(
        f"datatable(p:dynamic)[{dynamic(SQUARE)}, {dynamic(far_square)}, dynamic(null)]"
        " | extend inside = geo_point_in_polygon(1, 1, p)"
    )
    assert frame["inside"].tolist() == [True, False, pd.NA]


@pytest.mark.parametrize(
    "polygon",
    [
        {"type": "Point", "coordinates": [1, 1]},
        {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [0, 0]]]},
        {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2]]]},
        {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [2, 2], [0, 0]]]},
        {"type": "Polygon", "coordinates": []},
    ],
)
def test_invalid_polygon_gives_null(db, polygon):
    assert value(db, f"print geo_point_in_polygon(1, 1, {dynamic(polygon)})") is None


@pytest.mark.parametrize(
    "query",
    [
        "print geo_distance_2points('a', 1.0, 2.0, 3.0)",
        "print geo_point_in_circle(1.0, 2.0, 3.0)",
        "print geo_point_in_polygon(now(), 1.0, dynamic(null))",
    ],
)
def test_wrong_arguments_rejected(db, query):
    with pytest.raises(KqlSemanticError) as error:
        db.execute(query)
    assert error.value.code in {"KS141", "KS119"}


def test_geo_functions_on_empty_table(db):
    frame = db.query("datatable(x:real, d:dynamic)[] | extend g = geo_distance_2points(x, x, x, x), c = geo_point_in_circle(x, x, x, x, x), p = geo_point_in_polygon(x, x, d)")
    assert len(frame) == 0


def test_distance_use_spheroid_argument() -> None:
    import kqlite

    db = kqlite.connect()
    [[distance]] = db.execute("print geo_distance_2points(-122.407628, 47.578557, -118.275287, 34.019056, false)").rows()

    assert round(distance, 5) == 1546754.35197
    with pytest.raises(kqlite.KqlNotSupportedError):
        db.execute("print geo_distance_2points(-122.407628, 47.578557, -118.275287, 34.019056, true)")
