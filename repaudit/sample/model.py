"""The whole synthetic region in memory: geography, schools, intake, census detail and catchments."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .census import Detail, describe
from .geography import Geography, build_geography
from .intake import Intake, simulate
from .noise import SEED, Noise
from .outline import merge_cells
from .schools import School, build_schools


@dataclass
class Catchment:
    """A published-style catchment: the LSOAs whose centroid is nearest this school, merged."""

    school: School
    lsoas: list[int]
    polygons: list[list[np.ndarray]]


@dataclass
class Sample:
    geo: Geography
    schools: list[School]
    intake: Intake
    details: dict[tuple[int, int], Detail]
    catchments: list[Catchment]

    def school(self, key: str) -> School:
        return next(s for s in self.schools if s.key == key)


def build_sample(seed: int = SEED) -> Sample:
    """Draw the region; the same seed gives the same numbers, byte for byte once written."""
    noise = Noise(seed)
    geo = build_geography(noise)
    schools = build_schools(geo, noise)
    intake = simulate(geo, schools, noise)
    details = describe(geo, schools, intake, noise)
    return Sample(geo, schools, intake, details, catchments(geo, schools))


def has_catchment(school: School) -> bool:
    """Community-style secondaries get a catchment; grammar and faith schools admit without one."""
    return school.phase == "Secondary" and school.role in ("ordinary", "planted") and not school.close_date


def catchments(geo: Geography, schools: list[School]) -> list[Catchment]:
    owners = [s for s in schools if has_catchment(s)]
    points = np.array([[s.easting, s.northing] for s in owners], dtype=float)
    nearest = np.argmin(np.hypot(geo.pwc[:, None, 0] - points[None, :, 0],
                                 geo.pwc[:, None, 1] - points[None, :, 1]), axis=1)
    out = []
    for i, school in enumerate(owners):
        cells = [k for k in range(len(geo.codes)) if nearest[k] == i]
        out.append(Catchment(school, cells, merge_cells(geo.vertices, [geo.rings[k] for k in cells])))
    return out
