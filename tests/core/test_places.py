"""Shared positions: parsed from untrusted values, and placed in a district."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.content import load_districts
from core.places import Position, district_at
from tests.helpers import EXAMPLE_CONTENT

POINTS = [(d.name, d.position) for d in load_districts(EXAMPLE_CONTENT) if d.position]


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (49.444712, 7.768991, Position(49.4447, 7.769)),
        ("49.4447", "7.7690", Position(49.4447, 7.769)),
        (-90, 180, Position(-90.0, 180.0)),
        (90.0001, 7, None),
        (49, -180.5, None),
        ("nan", 7, None),
        (float("inf"), 7, None),
        ("1e999", 7, None),
        (True, 7, None),
        ([49], 7, None),
        (None, 7, None),
        ("", 7, None),
        ("49,44", 7, None),
    ],
)
def test_positions_from_untrusted_values(latitude, longitude, expected):
    assert Position.parse(latitude, longitude) == expected


@given(st.one_of(st.floats(), st.integers(), st.text(), st.none(), st.booleans()),
       st.one_of(st.floats(), st.integers(), st.text(), st.none()))  # fmt: skip
def test_any_value_parses_to_a_position_in_range_or_none(latitude, longitude):
    position = Position.parse(latitude, longitude)
    if position is not None:
        assert abs(position.latitude) <= 90 and abs(position.longitude) <= 180
        assert math.isfinite(position.latitude) and math.isfinite(position.longitude)


@pytest.mark.parametrize(
    ("latitude", "longitude", "district"),
    [
        (49.4443, 7.7689, "Innenstadt"),  # Stiftsplatz
        (49.4347, 7.7766, "Betzenberg"),  # the stadium
        (49.4241, 7.7525, "Universitätswohnstadt"),  # the university
        (49.4855, 7.6915, "Siegelbach"),
        (49.5400, 7.7700, None),  # 6 km north of Erlenbach: outside
        (52.5200, 13.4050, None),  # Berlin
    ],
)
def test_the_district_is_the_nearest_example_point(latitude, longitude, district):
    assert district_at(Position(latitude, longitude), POINTS) == district


def test_no_points_no_district():
    assert district_at(Position(49.44, 7.77), []) is None


def test_the_map_link_marks_the_position():
    url = Position(49.4447, 7.769).map_url()
    assert url == (
        "https://www.openstreetmap.org/?mlat=49.4447&mlon=7.769#map=18/49.4447/7.769"
    )


def test_km_between_two_known_points():
    # Kaiserslautern Hbf to Stiftsplatz: about 0.7 km as the crow flies.
    assert Position(49.4378, 7.7680).km_to(Position(49.4443, 7.7689)) == pytest.approx(
        0.73, abs=0.05
    )
