"""Places of suggestions: a position a citizen shared, and the district it is in."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# Four decimals are about 11 m: enough to find a broken lamp, no more than needed.
DECIMALS = 4
EARTH_RADIUS_KM = 6371.0
# Farther than this from every district's point, a position is outside the city.
MAX_DISTRICT_KM = 4.0


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float

    @classmethod
    def parse(cls, latitude: object, longitude: object) -> Position | None:
        """A position from untrusted values (numbers or numeric strings), rounded;
        None unless both are finite degrees in range."""
        values = []
        for value, limit in ((latitude, 90.0), (longitude, 180.0)):
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                return None
            try:
                number = float(value)
            except (ValueError, OverflowError):
                return None
            if not math.isfinite(number) or abs(number) > limit:
                return None
            values.append(round(number, DECIMALS))
        return cls(*values)

    def as_dict(self) -> dict[str, float]:
        return {"latitude": self.latitude, "longitude": self.longitude}

    def km_to(self, other: Position) -> float:
        """Great-circle distance (haversine)."""
        lat1, lat2 = math.radians(self.latitude), math.radians(other.latitude)
        dlat = lat2 - lat1
        dlon = math.radians(other.longitude - self.longitude)
        a = (
            math.sin(dlat / 2) ** 2
            + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
        )
        return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))

    def map_url(self) -> str:
        """The position on openstreetmap.org, with a marker."""
        lat, lon = self.latitude, self.longitude
        return (
            f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
        )


def district_at(
    position: Position, points: Iterable[tuple[str, Position]]
) -> str | None:
    """The district whose example point is nearest, if one is near enough.

    Nearest points split the city like a Voronoi map: good enough for example
    content; a city with exact outlines would compare those instead.
    """
    nearest = min(
        ((position.km_to(point), name) for name, point in points), default=None
    )
    if nearest is None or nearest[0] > MAX_DISTRICT_KM:
        return None
    return nearest[1]
