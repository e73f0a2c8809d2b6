"""Geospatial functions on a spherical Earth: geo_distance_2points, geo_point_in_circle and geo_point_in_polygon.

Coordinates are WGS-84 longitudes and latitudes in degrees, and distances are
measured along a sphere, as Kusto does. A coordinate out of range (longitude outside
[-180, 180], latitude outside [-90, 90]) or null makes the result null.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kqlite.errors import KqlNotSupportedError
from kqlite.functions.conversion import scalar
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import Value, dynamic_objects, float_values, from_numpy
from kqlite.types import BOOL, DECIMAL, DYNAMIC, INT, LONG, REAL

NUMBERS = (REAL, INT, LONG, DECIMAL)

# The sphere's radius in meters; it reproduces Kusto's documented distance from
# Seattle to Los Angeles (1546754.35197381 m) to the last printed digit.
EARTH_RADIUS_METERS = 6_371_010.0


def _coordinates(ctx: CallContext, values: tuple[Value, ...]) -> tuple[list[Any], Any]:
    # Return (longitude, latitude) pairs as float arrays and the mask of invalid rows.
    numbers = [float_values(value, kql_type)[0] for value, kql_type in zip(values, ctx.arg_types, strict=False)]
    invalid = np.zeros((), dtype=bool)
    for index, number in enumerate(numbers):
        limit = 180.0 if index % 2 == 0 else 90.0
        with np.errstate(invalid="ignore"):
            invalid = invalid | ~(np.abs(number) <= limit)
    return numbers, invalid


def central_angle(longitude1: Any, latitude1: Any, longitude2: Any, latitude2: Any) -> Any:
    """Return the angle in radians between two points on a sphere (haversine formula)."""
    phi1, phi2 = np.radians(latitude1), np.radians(latitude2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = np.radians(longitude2 - longitude1) / 2
    haversine = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return 2 * np.arcsin(np.sqrt(np.clip(haversine, 0.0, 1.0)))


@scalar(
    "geo_distance_2points",
    [
        P("p1_longitude", *NUMBERS),
        P("p1_latitude", *NUMBERS),
        P("p2_longitude", *NUMBERS),
        P("p2_latitude", *NUMBERS),
        P("use_spheroid", BOOL, optional=True, constant=True),
    ],
    REAL,
)
def geo_distance_2points(
    ctx: CallContext, lon1: Value, lat1: Value, lon2: Value, lat2: Value, use_spheroid: Value = None
) -> Value:
    """Return the shortest distance in meters between two points on Earth. Example: print geo_distance_2points(-122.407628, 47.578557, -118.275287, 34.019056) → 1546754.35197381"""
    if use_spheroid is True:
        # NOTE: distances on the WGS-84 ellipsoid are not implemented; only the sphere is.
        raise KqlNotSupportedError("geo_distance_2points with use_spheroid=true")
    (lon1, lat1, lon2, lat2), invalid = _coordinates(ctx, (lon1, lat1, lon2, lat2))
    with np.errstate(invalid="ignore"):
        distance = EARTH_RADIUS_METERS * central_angle(lon1, lat1, lon2, lat2)
    return from_numpy(distance, invalid, REAL)


@scalar(
    "geo_point_in_circle",
    [
        P("p_longitude", *NUMBERS),
        P("p_latitude", *NUMBERS),
        P("pc_longitude", *NUMBERS),
        P("pc_latitude", *NUMBERS),
        P("c_radius", *NUMBERS),
    ],
    BOOL,
)
def geo_point_in_circle(ctx: CallContext, *arguments: Value) -> Value:
    """Tell whether a point lies within a radius in meters of a center, along the sphere. Example: print geo_point_in_circle(-122.201741, 47.677084, -122.317404, 47.609119, 18000) → true"""
    (lon, lat, center_lon, center_lat), invalid = _coordinates(ctx, arguments[:4])
    radius, radius_nulls = float_values(arguments[4], ctx.arg_types[4])

    # KQL: a circle needs a positive radius; any other radius makes the result null.
    with np.errstate(invalid="ignore"):
        invalid = invalid | radius_nulls | ~(radius > 0)
        inside = EARTH_RADIUS_METERS * central_angle(lon, lat, center_lon, center_lat) <= radius
    return from_numpy(inside, invalid, BOOL)


# ---------------------------------------------------------------------------------------
# Point in polygon on the sphere
# ---------------------------------------------------------------------------------------

# How far from a ring vertex, in radians (about 0.6 m on Earth), the reference point of
# the crossing test sits inside the ring's corner.
_REFERENCE_OFFSET = 1e-7


def unit_vectors(longitude: Any, latitude: Any) -> np.ndarray:
    """Return points on the unit sphere, shape (..., 3), from degrees."""
    lam, phi = np.radians(longitude), np.radians(latitude)
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)


def _tangent_towards(origin: np.ndarray, target: np.ndarray) -> np.ndarray:
    # The unit direction, in the tangent plane at `origin`, of the great circle to `target`.
    direction = target - np.dot(target, origin) * origin
    return direction / np.linalg.norm(direction)


class _Ring:
    """One closed ring of a polygon, as unit vectors without the repeated last vertex.

    The ring splits the sphere in two; KQL's ring is the smaller of the two regions,
    whichever way it is ordered. Containment is a crossing test: the great-circle arc
    from a reference point known to lie left of the ring to the tested point crosses
    the ring an even number of times exactly when the tested point lies left too.
    """

    def __init__(self, vertices: np.ndarray) -> None:
        self.vertices = vertices
        self.starts = vertices
        self.ends = np.roll(vertices, -1, axis=0)

        # The left region's area is 2*pi minus the sum of the signed turns at the
        # vertices, left turns positive. A left region larger than a hemisphere means
        # the ring is the right region.
        turns = [self._turn(index) for index in range(len(vertices))]
        self.left_is_smaller = 2 * np.pi - sum(turns) <= 2 * np.pi
        self.reference = self._reference_point()

    def _turn(self, index: int) -> float:
        previous, vertex, following = self.vertices[index - 1], self.vertices[index], self.vertices[(index + 1) % len(self.vertices)]
        incoming = -_tangent_towards(vertex, previous)
        outgoing = _tangent_towards(vertex, following)
        return float(np.arctan2(np.dot(vertex, np.cross(incoming, outgoing)), np.dot(incoming, outgoing)))

    def _reference_point(self) -> np.ndarray:
        # A point just inside the left corner at vertex 1: the bisector of the angle that
        # turns counterclockwise from the outgoing edge to the incoming one.
        vertex = self.vertices[1]
        outgoing = _tangent_towards(vertex, self.vertices[2 % len(self.vertices)])
        backward = _tangent_towards(vertex, self.vertices[0])
        normal = np.cross(vertex, outgoing)
        corner = np.arctan2(np.dot(backward, normal), np.dot(backward, outgoing)) % (2 * np.pi)
        bisector = np.cos(corner / 2) * outgoing + np.sin(corner / 2) * normal
        reference = vertex + _REFERENCE_OFFSET * bisector
        return reference / np.linalg.norm(reference)

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Tell for each point (shape (n, 3)) whether it lies in the ring's region."""
        reference = self.reference
        paths = np.cross(reference, points)
        left = np.ones(len(points), dtype=bool)
        for start, end in zip(self.starts, self.ends, strict=True):
            # Arcs AB and CD cross when C and D lie on opposite sides of AB's great
            # circle and A and B on opposite sides of CD's, on the same hemisphere.
            edge_normal = np.cross(start, end)
            acb = -np.dot(edge_normal, reference)
            bda = points @ edge_normal
            cbd = -(paths @ end)
            dac = paths @ start
            crossing = (acb * bda > 0) & (acb * cbd > 0) & (acb * dac > 0)
            left ^= crossing
        return left if self.left_is_smaller else ~left


def _ring(coordinates: Any) -> _Ring | None:
    # A ring has at least four positions, the first equal to the last, and valid coordinates.
    if not isinstance(coordinates, list) or len(coordinates) < 4 or coordinates[0] != coordinates[-1]:
        return None
    try:
        positions = np.asarray(coordinates, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if positions.ndim != 2 or positions.shape[1] != 2:
        return None
    longitudes, latitudes = positions[:-1, 0], positions[:-1, 1]
    if not ((np.abs(longitudes) <= 180).all() and (np.abs(latitudes) <= 90).all()):
        return None
    vertices = unit_vectors(longitudes, latitudes)
    if len(np.unique(np.round(vertices, 15), axis=0)) < 3:
        return None
    return _Ring(vertices)


def parse_polygons(value: Any) -> list[list[_Ring]] | None:
    """Read a GeoJSON Polygon or MultiPolygon into lists of rings (shell first), or None if invalid."""
    if not isinstance(value, dict):
        return None
    kind, coordinates = value.get("type"), value.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        return None

    parsed: list[list[_Ring]] = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return None
        rings = [_ring(ring) for ring in polygon]
        if any(ring is None for ring in rings):
            return None
        parsed.append([ring for ring in rings if ring is not None])
    return parsed or None


def points_in_polygons(points: np.ndarray, polygons: list[list[_Ring]]) -> np.ndarray:
    """Tell for each point whether a polygon contains it: inside its shell and outside its holes."""
    inside = np.zeros(len(points), dtype=bool)
    for shell, *holes in polygons:
        in_polygon = shell.contains(points)
        for hole in holes:
            in_polygon &= ~hole.contains(points)
        inside |= in_polygon
    return inside


@scalar("geo_point_in_polygon", [P("longitude", *NUMBERS), P("latitude", *NUMBERS), P("polygon", DYNAMIC)], BOOL)
def geo_point_in_polygon(ctx: CallContext, longitude: Value, latitude: Value, polygon: Value) -> Value:
    """Tell whether a point lies inside a GeoJSON polygon or multipolygon with geodesic edges. Example: print geo_point_in_polygon(1, 1, dynamic({"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]})) → true"""
    (lon, lat), invalid = _coordinates(ctx, (longitude, latitude))
    lon, lat, invalid = np.atleast_1d(lon), np.atleast_1d(lat), np.atleast_1d(invalid)
    constant = not any(isinstance(value, pd.Series) for value in (longitude, latitude, polygon))
    count = 1 if constant else ctx.length
    lon, lat, invalid = (np.broadcast_to(array, (count,)) for array in (lon, lat, invalid))
    points = unit_vectors(np.where(invalid, 0.0, lon), np.where(invalid, 0.0, lat))

    # A constant polygon is parsed once; a column of polygons once per distinct polygon.
    if isinstance(polygon, pd.Series):
        shapes = dynamic_objects(polygon, count)
        codes, uniques = pd.factorize(pd.Series([repr(shape) for shape in shapes], dtype=object))
        groups = [np.flatnonzero(codes == code) for code in range(len(uniques))]
    else:
        shapes = [polygon]
        groups = [np.arange(count)]

    inside = np.zeros(count, dtype=bool)
    invalid = invalid.copy()
    for rows in groups:
        if not len(rows):
            continue
        parsed = parse_polygons(shapes[rows[0]])
        if parsed is None:
            invalid[rows] = True
            continue
        inside[rows] = points_in_polygons(points[rows], parsed)

    if constant:
        return from_numpy(inside[0], invalid[0], BOOL)
    return from_numpy(inside, invalid, BOOL)
