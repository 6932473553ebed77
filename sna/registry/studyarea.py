"""Study areas are configuration: data/areas/<name>.toml names a partnership and its LADs."""

from __future__ import annotations

import csv
import difflib
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from sna.config import AREAS_DIR, REGISTRY_DIR
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
    if not isinstance(raw["boundaries"], dict) or "lsoa11" not in raw["boundaries"]:
        raise ConfigError(f"{path}: [boundaries] needs at least an 'lsoa11' source id.")
    crime = _table(raw, "crime", path)
    serious = _strings(crime, "serious_violence", path, "crime.serious_violence", DEFAULT_SERIOUS_VIOLENCE)
    check_crime_types(serious, path)
    return StudyArea(
        key=key,
        name=_text(raw, "name", path),
        short_name=_text(raw, "short_name", path) if "short_name" in raw else raw["name"],
        lad_codes=_lad_codes(raw, path),
        region_code=_region_code(raw, path),
        boundaries={k: _text(raw["boundaries"], k, path, f"boundaries.{k}") for k in raw["boundaries"]},
        crime_sources=_strings(crime, "sources", path, "crime.sources", (), allow_empty=True),
        serious_violence=serious,
        postcode_sources=_strings(_table(raw, "postcodes", path), "sources", path, "postcodes.sources", (), allow_empty=True),
    )


# --- Validation: every message names the file and the key ------------------------------------------

LAD_CODE = re.compile(r"^[EW]0[6-9]\d{6}$")
REGION_CODE = re.compile(r"^E12\d{6}$")
# police.uk crime types no longer in the API list but found in older street-level files.
HISTORIC_CRIME_TYPES = ("Violent crime", "Public disorder and weapons")


@lru_cache(maxsize=1)
def known_crime_types(path: Path = REGISTRY_DIR / "crime_types.csv") -> frozenset[str]:
    """The police.uk crime types (sna/registry/crime_types.csv and the historic ones)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return frozenset(row["crime_type"] for row in csv.DictReader(handle)) | frozenset(HISTORIC_CRIME_TYPES)


def check_crime_types(types: tuple[str, ...], path: Path) -> None:
    """A misspelt crime type would silently count nothing: refuse it and suggest the nearest."""
    known = known_crime_types()
    for name in types:
        if name not in known:
            near = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"{path}: crime.serious_violence names {name!r}, which is not a police.uk crime type.{hint} "
                              f"Known types: {', '.join(sorted(known))}.")


def _table(raw: dict, key: str, path: Path) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {key} must be a table ([{key}]), not {type(value).__name__}.")
    return value


def _text(raw: dict, key: str, path: Path, label: str | None = None) -> str:
    value = raw[key]
    if not isinstance(value, str) or (not value.strip() and key != "region_code"):
        raise ConfigError(f"{path}: {label or key} must be a non-empty text in quotes, not {value!r}.")
    return value.strip()


def _strings(raw: dict, key: str, path: Path, label: str, default: tuple[str, ...], allow_empty: bool = False) -> tuple[str, ...]:
    """A list of texts; a bare string (which would be read letter by letter) or other values are refused."""
    if key not in raw:
        return default
    value = raw[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{path}: {label} must be a list of texts, e.g. {label.split('.')[-1]} = [\"...\", \"...\"], not {value!r}.")
    if not value and not allow_empty:
        raise ConfigError(f"{path}: {label} is empty; list at least one.")
    return tuple(v.strip() for v in value)


def _lad_codes(raw: dict, path: Path) -> tuple[str, ...]:
    codes = _strings(raw, "lad_codes", path, "lad_codes", ())
    if codes == (ALL_ENGLAND,):
        return codes
    malformed = [c for c in codes if not LAD_CODE.match(c)]
    if malformed:
        raise ConfigError(f"{path}: lad_codes holds {', '.join(map(repr, malformed))}, not ONS local authority district codes "
                          "(like \"E08000025\"; or [\"*\"] for all of England).")
    return codes


def _region_code(raw: dict, path: Path) -> str:
    code = _text(raw, "region_code", path)
    if code and not REGION_CODE.match(code):
        raise ConfigError(f"{path}: region_code {code!r} is not an ONS region code (like \"E12000005\" for the West Midlands; "
                          "\"\" for none).")
    return code


def check_region_code(area: "StudyArea", known_regions: dict[str, str]) -> None:
    """The region benchmark must be a region in the official lookup (else every region figure is dropped)."""
    if area.region_code and area.region_code not in known_regions:
        raise ConfigError(f"Study area '{area.key}': region_code {area.region_code!r} is not a region in the LAD-to-region lookup. "
                          "Known: " + ", ".join(f"{c} ({n})" for c, n in sorted(known_regions.items())) + ".")


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
