"""The study area in words: its name, local authorities, region and search examples, all from the
database, so that no page names the West Midlands unless the study area is the West Midlands."""

from __future__ import annotations

from dataclasses import dataclass

from sna import db
from sna.analysis.formatting import plural


@dataclass(frozen=True)
class StudyAreaWords:
    """The built study area as page text needs it (not the configuration: that is sna.registry.studyarea.StudyArea)."""

    key: str
    name: str
    short_name: str
    lad_names: tuple[str, ...]
    region_name: str | None  # None: England-wide (England is the benchmark)
    search_example: str  # e.g. "Ladywood, E01033625 or B1 1AY"
    has_postcodes: bool

    @property
    def benchmarks(self) -> str:
        """'its local authority, the West Midlands region and England'."""
        region = f", the {self.region_name} region" if self.region_name else ""
        return f"its local authority{region} and England"

    @property
    def lads_text(self) -> str:
        names = list(self.lad_names)
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""
        return f"the {plural(len(names), 'local authority')} " + (f"of {listed}" if len(names) <= 10 else "of England")


def describe(con) -> StudyAreaWords:
    meta = db.meta(con)
    ward = db.largest_area(con, "ward")
    lsoa = db.largest_area(con, "lsoa21") or db.largest_area(con, "lsoa11")
    postcode = db.postcode_in(con)
    examples = [x for x in (ward[1] if ward else None, lsoa[0] if lsoa else None, postcode) if x]
    return StudyAreaWords(key=meta.get("area_key", ""), name=meta.get("area_name", "the study area"),
                     short_name=meta.get("area_short_name", meta.get("area_name", "")),
                     lad_names=tuple(db.lad_names(con).values()), region_name=db.region_name(con),
                     search_example=("e.g. " + ", ".join(examples[:-1]) + " or " + examples[-1]) if len(examples) > 1 else "",
                     has_postcodes=postcode is not None)
