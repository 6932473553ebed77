"""Study areas are configuration: data/areas/<name>.toml names a partnership and its LADs."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from sna.config import AREAS_DIR
from sna.errors import ConfigError

DEFAULT_SERIOUS_VIOLENCE = ("Violence and sexual offences", "Robbery", "Possession of weapons")


@dataclass(frozen=True)
class StudyArea:
    key: str
    name: str
    short_name: str
    lad_codes: tuple[str, ...]
    region_code: str
    boundaries: dict[str, str]
    crime_sources: tuple[str, ...] = ()
    serious_violence: tuple[str, ...] = DEFAULT_SERIOUS_VIOLENCE
    postcode_sources: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


def available(areas_dir: Path = AREAS_DIR) -> list[str]:
    return sorted(p.stem for p in areas_dir.glob("*.toml"))


def load(key: str, areas_dir: Path = AREAS_DIR) -> StudyArea:
    """Read data/areas/<key>.toml (or a path to a .toml file); the error lists the areas that exist."""
    path = Path(key) if key.endswith(".toml") else areas_dir / f"{key}.toml"
    key = path.stem
    if not path.exists():
        raise ConfigError(f"Unknown study area '{key}'. Available: {', '.join(available(areas_dir))} (files in {areas_dir}).")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    missing = [k for k in ("name", "lad_codes", "region_code", "boundaries") if k not in raw]
    if missing:
        raise ConfigError(f"{path} lacks {', '.join(missing)}; see data/areas/west-midlands.toml for an example.")
    if "lsoa11" not in raw["boundaries"]:
        raise ConfigError(f"{path}: [boundaries] needs at least an 'lsoa11' source id.")
    crime = raw.get("crime", {})
    return StudyArea(
        key=key,
        name=raw["name"],
        short_name=raw.get("short_name", raw["name"]),
        lad_codes=tuple(raw["lad_codes"]),
        region_code=raw["region_code"],
        boundaries=dict(raw["boundaries"]),
        crime_sources=tuple(crime.get("sources", ())),
        serious_violence=tuple(crime.get("serious_violence", DEFAULT_SERIOUS_VIOLENCE)),
        postcode_sources=tuple(raw.get("postcodes", {}).get("sources", ())),
    )


ALL_ENGLAND = "*"  # lad_codes = ["*"]: every English LAD (an England-wide build)


def resolve_lad_codes(area: StudyArea, known_lads: dict[str, str]) -> StudyArea:
    """The area with '*' expanded to every English LAD, after checking every code is known."""
    if area.lad_codes == (ALL_ENGLAND,):
        return replace(area, lad_codes=tuple(sorted(c for c in known_lads if c.startswith("E"))))
    check_lad_codes(area, known_lads)
    return area


def check_lad_codes(area: StudyArea, known_lads: dict[str, str]) -> None:
    """Every LAD code must be a current LAD in the official lookup."""
    unknown = [code for code in area.lad_codes if code not in known_lads]
    if unknown:
        raise ConfigError(
            f"Study area '{area.key}' names unknown local authority district code(s): {', '.join(unknown)}. "
            "Use current ONS LAD codes (e.g. E08000025 for Birmingham) as listed in the LAD-to-region lookup."
        )
