"""What a profile pack is about: an area of the database (LSOA, ward, LA) or a set of LSOAs (an impact
area, a school's surroundings, a user's custom area), resolved from what a user typed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from geo.points import geom_to_bng, to_bng
from geo import from_wkb
from sna import areafiles, db
from sna.analysis.custom_area import GENERATIONS, OTHER, CustomArea, resolve, wholly_inside
from sna.errors import ChoiceError

SCHOOL_RADIUS_M = 1000.0  # the Priority schools page's default radius
STORED_LEVELS = ("lsoa21", "lsoa11", "ward", "lad")
KIND_LABELS = {"lsoa21": "LSOA (2021)", "lsoa11": "LSOA (2011)", "ward": "Ward (2024)", "lad": "Local authority",
               "place": "Impact area", "school": "Area around a school", "custom": "Custom area"}


@dataclass(frozen=True)
class Subject:
    """One profile's subject. Stored areas have code and level; LSOA sets have `area` (CustomArea)."""

    kind: str
    name: str
    code: str
    level: str | None = None
    lad_code: str | None = None
    area: CustomArea | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def codes_of(self, con, generation: str) -> list[str]:
        """The subject's LSOAs of one generation (drawn on the map)."""
        if self.area is not None:
            return list(self.area.codes.get(generation, ()))
        if self.level in ("ward", "lad"):
            return db.lsoa_codes_of(con, self.level, self.code, generation)
        return [self.code] if self.level == generation else []


def stored_subject(con, code: str, level: str | None = None) -> Subject | None:
    """An area of the database; without a level, the first held of STORED_LEVELS (an unchanged LSOA code
    is both a 2021 and a 2011 code: 2021 is taken)."""
    found = db.areas_by_code(con, code, (level,) if level else STORED_LEVELS)
    if found.empty:
        return None
    level = min(found["level"], key=STORED_LEVELS.index)
    record = db.area_record(con, code, level).iloc[0]
    lad = record["lad_code"] if level != "lad" else code
    return Subject(level, str(record["name"]), code, level, lad)


def _place(con, place_id: str) -> Subject | None:
    record = db.place_record(con, place_id)
    if record is None:
        return None
    codes = {g: tuple(db.place_lsoa_codes(con, place_id, g)) for g in GENERATIONS}
    notes = (f"Extent ({record['extent_quality']}): {record['extent_note']}",)
    area = CustomArea(str(record["name"]), "lsoa11", codes, notes)
    return Subject("place", str(record["name"]), place_id, None, record["la_code"], area, notes)


def school_lsoas(con, lon: float, lat: float, radius_m: float) -> dict[str, tuple[str, ...]]:
    """The LSOAs of each generation intersecting the circle of radius_m around a point (as the priority
    score). A generation without boundaries in this study area's database takes the LSOAs wholly inside
    the other generation's set (ONS lookup)."""
    x, y = to_bng(np.array([lon]), np.array([lat]))
    out: dict[str, tuple[str, ...]] = {}
    for generation in GENERATIONS:
        shapes = db.area_shapes(con, generation)
        if shapes.empty:
            continue
        polygons = geom_to_bng(from_wkb(shapes["geometry"]))
        hits = shapely.STRtree(polygons).query(shapely.points(x[0], y[0]), predicate="dwithin", distance=float(radius_m))
        out[generation] = tuple(sorted(shapes["code"].to_numpy()[hits]))
    for generation in GENERATIONS:
        if generation not in out and OTHER[generation] in out:
            out[generation] = tuple(wholly_inside(set(out[OTHER[generation]]), db.lsoa_lookup(con), OTHER[generation], generation)[0])
    return out


def _school(con, urn: int, radius_m: float) -> Subject | None:
    record = db.school_record(con, urn)
    if record is None:
        return None
    if not record.get("has_coordinates"):
        raise ChoiceError(f"School {urn} ({record['name']}) has no location in the schools register, so its surroundings cannot be profiled.")
    codes = school_lsoas(con, float(record["lon"]), float(record["lat"]), radius_m)
    if not any(codes.values()):
        raise ChoiceError(f"No LSOA of the study area lies within {radius_m:,.0f} m of school {urn}.")
    notes = (f"The LSOAs (2021 and 2011) intersecting a circle of {radius_m / 1000:g} km around the school, as on the "
             "Priority schools page.",
             "The area around a school is not where its pupils live: pupils travel from wider areas, and the figures "
             "describe the neighbourhood, not the school's pupils.")
    name = f"{record['name']} (URN {urn}), {radius_m / 1000:g} km around"
    area = CustomArea(name, "lsoa21", codes, notes)
    return Subject("school", name, str(urn), None, record.get("lad_code"), area, notes)


def _custom(con, area: CustomArea, code: str) -> Subject:
    return Subject("custom", area.name, code, None, None, area, area.notes)


def resolve_subject(con, text: str, radius_m: float = SCHOOL_RADIUS_M) -> Subject:
    """An area code, an impact-area id, a school URN or a file of LSOA codes (or a polygon), else a clear error."""
    value = str(text).strip()
    path = Path(value)
    if value and path.suffix.lower() in areafiles.CODE_SUFFIXES | set(areafiles.GEOMETRY_SUFFIXES) and path.is_file():
        size = path.stat().st_size
        if size > max(areafiles.MAX_CSV_BYTES, areafiles.MAX_GEOMETRY_BYTES):
            raise ChoiceError(f"{path.name} is {size / 1e6:.1f} MB: too large for a custom area.")
        return _custom(con, areafiles.area_from_upload(con, path.read_bytes(), path.name, f"Custom area ({path.name})"), path.name)
    if re.fullmatch(r"\d{5,7}", value):
        found = _school(con, int(value), radius_m)
        if found:
            return found
    elif re.fullmatch(r"[A-Za-z]\d{8}", value):
        found = stored_subject(con, value.upper())
        if found:
            return found
    elif re.fullmatch(r"[a-z0-9_-]{2,60}", value):
        found = _place(con, value)
        if found:
            return found
    places = ", ".join(db.places(con)["place_id"].tolist()[:12]) or "none in this study area"
    shown = re.sub(r"[^\w .,/-]", "?", value)[:60]
    raise ChoiceError(f"Unknown area '{shown}'. Give an LSOA, ward or local authority code of the study area "
                      f"(e.g. E05011151), an impact-area id ({places}), a school URN, or a CSV file of LSOA codes.")


def custom_subject(con, codes: list[str], name: str = "Custom area") -> Subject:
    """A custom area from codes picked on a page."""
    return _custom(con, resolve(con, codes, name), "custom")
