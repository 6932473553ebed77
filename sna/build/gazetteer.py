"""Named places the project-authored records refer to, resolved against the official data:
2024 wards, House of Commons Library MSOA names and GIAS schools, plus the cited records themselves."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely

from geo import from_wkb
from sna.build.context import BuildContext
from sna.build.readers import read_csv
from sna.config import PLACES_DIR
from sna.errors import ConfigError


def read_records(name: str, columns: list[str], folder: Path = PLACES_DIR) -> pd.DataFrame:
    """A project-authored CSV in data/places, checked for its columns and a citation on every row."""
    path = folder / name
    if not path.exists():
        raise ConfigError(f"Missing {path}: it is part of the repository; restore it from git.")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{path} lacks column(s) {', '.join(missing)}; expected {', '.join(columns)}.")
    uncited = frame.index[frame["citation"].str.strip() == ""].tolist()
    if uncited:
        raise ConfigError(f"{path}: rows {uncited} have no citation; every record must cite its paper and paragraph.")
    return frame[columns]


class Gazetteer:
    """Named areas the records refer to: 2024 wards, House of Commons Library MSOA names, GIAS schools.

    One per build (`Gazetteer.of(ctx)`): the places and routes steps share it, so each file is read once."""

    @classmethod
    def of(cls, ctx: BuildContext) -> "Gazetteer":
        if "gazetteer" not in ctx.frames:
            ctx.frames["gazetteer"] = cls(ctx)
        return ctx.frames["gazetteer"]

    def __init__(self, ctx: BuildContext):
        self.ctx = ctx
        self.wards = ctx.con.execute("SELECT code, name, lad_code, geometry FROM areas WHERE level = 'ward'").df()
        self.lsoa11 = ctx.con.execute("SELECT code, ward_code, lad_code, geometry FROM areas WHERE level = 'lsoa11'").df()
        self.lsoa21 = ctx.con.execute("SELECT code, ward_code, lad_code, geometry FROM areas WHERE level = 'lsoa21'").df()
        self._msoa: pd.DataFrame | None = None
        self._msoa_lsoa: pd.DataFrame | None = None
        self._schools: pd.DataFrame | None = None

    def ward(self, name: str, lad_code: str) -> pd.Series:
        hit = self.wards[(self.wards["name"] == name) & (self.wards["lad_code"] == lad_code)]
        if len(hit) != 1:
            raise ConfigError(f"No single 2024 ward named '{name}' in {lad_code} (found {len(hit)}); fix data/places.")
        return hit.iloc[0]

    def wards_with_prefix(self, prefix: str, lad_code: str) -> pd.DataFrame:
        hit = self.wards[self.wards["name"].str.startswith(prefix) & (self.wards["lad_code"] == lad_code)]
        if hit.empty:
            raise ConfigError(f"No 2024 ward in {lad_code} has a name starting '{prefix}'; fix data/places.")
        return hit

    @property
    def msoa(self) -> pd.DataFrame:
        if self._msoa is None:
            import geopandas as gpd

            source_id = self.ctx.area.boundaries.get("msoa11_names")
            if not source_id:
                raise ConfigError(f"Study area '{self.ctx.area.key}' names no MSOA boundaries with House of Commons Library "
                                  "names ([boundaries] msoa11_names): a place or route defined by an MSOA name needs them.")
            path = self.ctx.source_path(source_id)
            frame = gpd.read_file(path)
            self.ctx.record("places and routes", source_id, len(frame), len(frame))
            self._msoa = pd.DataFrame({"code": frame["MSOA11CD"], "name": frame["msoa11hclnm"],
                                       "la_name": frame["Laname"], "geometry": shapely.to_wkb(frame.geometry.to_crs("EPSG:4326").values)})
        return self._msoa

    def msoa_named(self, name: str, lad_code: str) -> pd.Series:
        la_name = self.ctx.con.execute("SELECT name FROM areas WHERE level = 'lad' AND code = ?", [lad_code]).fetchone()
        hit = self.msoa[(self.msoa["name"] == name) & (self.msoa["la_name"] == (la_name[0] if la_name else None))]
        if len(hit) != 1:
            raise ConfigError(f"No single MSOA named '{name}' (House of Commons Library names) in {lad_code}; fix data/places.")
        return hit.iloc[0]

    def msoa_lsoas(self, msoa_code: str) -> list[str]:
        if self._msoa_lsoa is None:
            path = self.ctx.source_path("lk_lsoa11_msoa11")
            self._msoa_lsoa = read_csv(path, ["lsoa11_code", "msoa11_code"])
            self.ctx.record("places and routes", "lk_lsoa11_msoa11", len(self._msoa_lsoa), len(self._msoa_lsoa))
        return sorted(self._msoa_lsoa.loc[self._msoa_lsoa["msoa11_code"] == msoa_code, "lsoa11_code"])

    def school(self, name: str, lad_code: str) -> pd.Series:
        if self._schools is None:
            path = self.ctx.source_path("sch_gias_2025")
            frame = read_csv(path, ["urn", "establishment_name", "la_name", "longitude", "latitude"])
            self.ctx.record("places and routes", "sch_gias_2025", len(frame), len(frame))
            self._schools = frame
        la_name = self.ctx.con.execute("SELECT name FROM areas WHERE level = 'lad' AND code = ?", [lad_code]).fetchone()
        hit = self._schools[(self._schools["establishment_name"] == name) & (self._schools["la_name"] == (la_name[0] if la_name else None))]
        if len(hit) != 1:
            raise ConfigError(f"No single open establishment named '{name}' in {lad_code} in GIAS; fix data/places.")
        return hit.iloc[0]

    def ward_containing(self, lon: float, lat: float, lad_code: str) -> pd.Series:
        wards = self.wards[self.wards["lad_code"] == lad_code]
        point = shapely.Point(lon, lat)
        inside = [i for i, g in zip(wards.index, from_wkb(wards["geometry"])) if g.covers(point)]
        if not inside:
            raise ConfigError(f"No 2024 ward of {lad_code} contains ({lon:.5f}, {lat:.5f}); fix data/places.")
        return wards.loc[inside[0]]




def neighbourhood_names(gaz: Gazetteer) -> pd.DataFrame:
    """name, lsoa11_code: the House of Commons Library neighbourhood (MSOA) names and the LSOAs they cover,
    so that a search for a place name ('Lozells') finds the LSOAs named after it. Empty without MSOA names."""
    if not gaz.ctx.area.boundaries.get("msoa11_names"):
        return pd.DataFrame(columns=["name", "lsoa11_code"])
    msoa = gaz.msoa
    gaz.msoa_lsoas(msoa["code"].iloc[0]) if len(msoa) else None  # loads the lookup once
    link = gaz._msoa_lsoa
    names = msoa[["code", "name"]].merge(link, left_on="code", right_on="msoa11_code")
    names = names[names["lsoa11_code"].isin(set(gaz.lsoa11["code"]))]
    return names[["name", "lsoa11_code"]].sort_values(["name", "lsoa11_code"]).reset_index(drop=True)
