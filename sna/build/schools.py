"""Schools: the GIAS register of open establishments in the study area, joined by URN to the DfE
2018-19 performance tables, into the table `schools`.

Two GIAS formats are read into one register schema (REGISTER_COLUMNS):
- the mirrored data package (snake_case columns, lat/lon added; source sch_gias_2025);
- the full official download (edubasealldata<date>.csv: 'URN', 'EstablishmentName',
  'TypeOfEstablishment (name)', ...), for users who fetch a current register themselves.

The 2018-19 performance tables join by URN only: a school that converted to an academy (or
re-brokered to another trust) since 2019 has a new URN and no 2018-19 row. Those schools keep
missing values with the reason in `perf_1819_note`; nothing is filled with zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import from_wkb
from geo.points import assign_to_polygons, to_lonlat
from sna.build.context import BuildContext
from sna.errors import ImportFileError, SourceError
from sna.build.readers import read_csv, require_rows

REGISTER_COLUMNS = ["urn", "la_code", "la_name", "establishment_number", "name", "type", "type_group", "phase", "status",
                    "pupils", "fsm_pct", "easting", "northing", "lsoa_code", "lon", "lat", "postcode"]
STATE_FUNDED_GROUPS = ("Academies", "Local authority maintained schools", "Free Schools")
SECONDARY_PHASES = ("Secondary", "All-through")
PRIMARY_PHASES = ("Primary",)
OPEN_STATUSES = ("Open", "Open, but proposed to close")
SUPPRESSED = ("SUPP", "NE", "NP", "NA", "LOWCOV", "NEW", "x", "c", "z", "")
SCHOOL_COLUMNS = ["urn", "name", "lad_code", "la_name", "phase", "type", "type_group", "pupils", "fsm_pct", "lon", "lat",
                  "easting", "northing", "lsoa21_code", "lsoa11_code", "ward_code", "is_secondary", "is_primary",
                  "is_state_funded", "priority_note", "pupils_1819", "fsm_ever_pct_1819", "absence_pct_1819",
                  "persistent_absence_pct_1819", "attainment8_1819", "progress8_1819", "destinations_pct_1819",
                  "in_tables_1819", "perf_1819_note", "has_coordinates"]


@dataclass(frozen=True)
class GiasFormat:
    """One GIAS file layout: a header column that identifies it and how its columns map to the register."""

    name: str
    signature: str
    columns: dict[str, str]  # register column -> file column
    open_only: bool  # True when the file holds open establishments only (no status column)


GIAS_FORMATS: dict[str, GiasFormat] = {
    "package": GiasFormat("GIAS data package (snake_case, as mirrored)", "establishment_name", {
        "urn": "urn", "la_code": "la_code", "la_name": "la_name", "establishment_number": "establishment_number",
        "name": "establishment_name", "type": "establishment_type", "type_group": "establishment_type_group",
        "phase": "education_phase", "pupils": "number_of_pupils", "fsm_pct": "percentage_fsm", "easting": "easting",
        "northing": "northing", "lsoa_code": "lsoa_code", "lon": "longitude", "lat": "latitude"}, open_only=True),
    "official": GiasFormat("GIAS full download (edubasealldata*.csv)", "EstablishmentName", {
        "urn": "URN", "la_code": "LA (code)", "la_name": "LA (name)", "establishment_number": "EstablishmentNumber",
        "name": "EstablishmentName", "type": "TypeOfEstablishment (name)", "type_group": "EstablishmentTypeGroup (name)",
        "phase": "PhaseOfEducation (name)", "status": "EstablishmentStatus (name)", "pupils": "NumberOfPupils",
        "fsm_pct": "PercentageFSM", "easting": "Easting", "northing": "Northing", "lsoa_code": "LSOA (code)",
        "postcode": "Postcode"}, open_only=False),
}
OPTIONAL_OFFICIAL = ("EstablishmentNumber", "Postcode")  # present in the full download; tolerated if absent

# The 2018-19 performance tables: source id -> (columns read, register column -> file column).
PERFORMANCE_1819: dict[str, dict[str, str]] = {
    "sch_census_1819": {"pupils_1819": "NOR", "fsm_ever_pct_1819": "PNUMFSMEVER"},
    "sch_abs_1819": {"absence_pct_1819": "PERCTOT", "persistent_absence_pct_1819": "PPERSABS10"},
    "sch_ks4_1819": {"attainment8_1819": "ATT8SCR", "progress8_1819": "P8MEA"},
    "sch_ks4dest_1819": {"destinations_pct_1819": "OVERALL_DESTPER"},
}


def _number(series: pd.Series) -> pd.Series:
    """Numbers from performance-table text: '94%' -> 94, suppression marks (SUPP, NE, NP...) -> missing.
    Most cells are plain numbers: only those that are not go through the (slow) text clean-up."""
    direct = pd.to_numeric(series, errors="coerce").astype("float64")
    other = direct.isna().to_numpy()
    if other.any():
        direct[other] = _number_text(series[other]).to_numpy()
    return direct


def _number_text(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip().str.rstrip("%").str.replace(",", "", regex=False)
    return pd.to_numeric(text.where(~text.isin(SUPPRESSED)), errors="coerce").astype("float64")


def detect_format(header: list[str]) -> GiasFormat:
    for fmt in GIAS_FORMATS.values():
        if fmt.signature in header:
            return fmt
    raise ImportFileError("This file is not a GIAS establishment download: it has neither 'EstablishmentName' (the official "
                          "edubasealldata*.csv from get-information-schools.service.gov.uk/Downloads) nor 'establishment_name'.")


def _read_any_encoding(path: Path, **kwargs) -> pd.DataFrame:
    """GIAS downloads are Windows-1252; the mirrored package is UTF-8."""
    try:
        return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, **kwargs)
    except UnicodeDecodeError:
        return pd.read_csv(path, encoding="cp1252", dtype=str, keep_default_na=False, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportFileError(f"{path} is not a readable CSV ({exc}).") from exc


def read_gias(path: Path) -> pd.DataFrame:
    """Either GIAS format into REGISTER_COLUMNS: open establishments only, numbers parsed, lon/lat from
    easting/northing where the file has none. Rows without coordinates are kept (lon/lat missing)."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"No file at {path}.")
    header = list(_read_any_encoding(path, nrows=0).columns)
    fmt = detect_format(header)
    missing = [c for r, c in fmt.columns.items() if c not in header and c not in OPTIONAL_OFFICIAL]
    if missing:
        raise ImportFileError(f"{path} looks like the {fmt.name} but lacks {missing}. Download the full establishment "
                              "file ('All establishment data', edubasealldata*.csv) from GIAS.")
    raw = _read_any_encoding(path, usecols=[c for c in fmt.columns.values() if c in header])
    frame = pd.DataFrame({r: raw[c] if c in raw else pd.Series("", index=raw.index) for r, c in fmt.columns.items()})
    frame["status"] = "Open" if fmt.open_only else frame["status"]
    if "postcode" not in frame:
        frame["postcode"] = None  # the mirrored package has no postcode
    frame = frame[frame["status"].isin(OPEN_STATUSES)].copy()
    frame["urn"] = pd.to_numeric(frame["urn"], errors="coerce").astype("Int64")
    for col in ("pupils", "fsm_pct", "easting", "northing"):
        frame[col] = _number(frame[col])
    located = frame["easting"].gt(0) & frame["northing"].gt(0)
    frame.loc[~located, ["easting", "northing"]] = np.nan
    if "lon" in frame:
        frame["lon"], frame["lat"] = _number(frame["lon"]), _number(frame["lat"])
    else:
        frame["lon"], frame["lat"] = np.nan, np.nan
    frame.loc[~located, ["lon", "lat"]] = np.nan  # a zero easting is "not recorded", not a place
    need = located & frame["lon"].isna()
    if need.any():
        lon, lat = to_lonlat(frame.loc[need, "easting"].to_numpy(), frame.loc[need, "northing"].to_numpy())
        frame.loc[need, "lon"], frame.loc[need, "lat"] = lon, lat
    frame["lsoa_code"] = frame["lsoa_code"].where(frame["lsoa_code"].str.match(r"^[EW]0\d{7}$", na=False))
    frame = frame.dropna(subset=["urn"]).astype({"urn": "int64"})
    return frame[REGISTER_COLUMNS].reset_index(drop=True)


def study_area_schools(register: pd.DataFrame, study21: pd.DataFrame, lads: gpd.GeoDataFrame) -> pd.DataFrame:
    """Schools in the study area: LSOA 2021 code in the study area, or (code missing) the point inside a LAD.
    Adds lsoa21_code, lad_code and ward_code (2024 wards via the LSOA 2021 lookup)."""
    by_lsoa = study21.set_index("code")
    in_lsoa = register["lsoa_code"].isin(by_lsoa.index)
    lad_of_point = assign_to_polygons(register["lon"].fillna(0).to_numpy(), register["lat"].fillna(0).to_numpy(), lads)
    lad_of_point = lad_of_point.where(register["lon"].notna().to_numpy())
    by_point = register["lsoa_code"].isna().to_numpy() & lad_of_point.notna().to_numpy()
    keep = in_lsoa.to_numpy() | by_point
    out = register[keep].copy()
    out["lsoa21_code"] = out["lsoa_code"].where(out["lsoa_code"].isin(by_lsoa.index))
    out["lad_code"] = out["lsoa21_code"].map(by_lsoa["lad_code"]).fillna(pd.Series(lad_of_point.to_numpy()[keep], index=out.index))
    out["ward_code"] = out["lsoa21_code"].map(by_lsoa["ward_code"])
    return out.reset_index(drop=True)


def classify(schools: pd.DataFrame) -> pd.DataFrame:
    """Flags for the priority list: state-funded secondary (or all-through) schools; independent schools,
    colleges, special schools and others stay in the table with the reason they are not on the list."""
    out = schools.copy()
    out["is_state_funded"] = out["type_group"].isin(STATE_FUNDED_GROUPS)
    out["is_secondary"] = out["is_state_funded"] & out["phase"].isin(SECONDARY_PHASES)
    out["is_primary"] = out["is_state_funded"] & out["phase"].isin(PRIMARY_PHASES)
    out["has_coordinates"] = out["lon"].notna() & out["lat"].notna()
    note = np.where(out["is_secondary"], "", np.where(~out["is_state_funded"], "not state-funded mainstream (" + out["type_group"] + ")",
                                                       "phase is " + out["phase"].fillna("unknown")))
    out["priority_note"] = note
    return out


def read_performance_1819(paths: dict[str, Path]) -> tuple[pd.DataFrame, dict[str, int]]:
    """The 2018-19 measures by URN (one row per URN found in any table; suppressed values stay missing)
    and the number of school rows read from each table."""
    frames, rows_read = [], {}
    for source_id, mapping in PERFORMANCE_1819.items():
        has_rectype = "RECTYPE" in read_csv(paths[source_id], None, nrows=0).columns
        raw = read_csv(paths[source_id], ["URN", *mapping.values(), *(["RECTYPE"] if has_rectype else [])], dtype=str, keep_default_na=False)
        if has_rectype:
            raw = raw[raw["RECTYPE"].isin(["1", "2"])]  # 1 mainstream, 2 special: school rows, not LA/England totals
        table = pd.DataFrame({"urn": pd.to_numeric(raw["URN"], errors="coerce")})
        for column, source_column in mapping.items():
            table[column] = _number(raw[source_column]).to_numpy()
        rows_read[source_id] = len(raw)
        frames.append(table.dropna(subset=["urn"]).drop_duplicates("urn").set_index("urn"))
    joined = pd.concat(frames, axis=1, join="outer")
    joined.index = joined.index.astype("int64")
    return joined, rows_read


def join_performance(schools: pd.DataFrame, performance: pd.DataFrame) -> pd.DataFrame:
    """Left join by URN: every school kept; `in_tables_1819` and `perf_1819_note` say whether its URN was found."""
    out = schools.join(performance, on="urn", how="left")
    out["in_tables_1819"] = out["urn"].isin(performance.index)
    out["perf_1819_note"] = np.where(out["in_tables_1819"], "",
                                     "URN not in the 2018-19 performance tables (opened, or converted to an academy and given a new URN, since)")
    return out


def build_schools(ctx: BuildContext) -> None:
    """Table `schools`: the study area's open establishments (GIAS 2025) with 2018-19 measures by URN."""
    newer = _newest_gias(ctx)
    gias_path = newer.file.path if newer else ctx.source_path("sch_gias_2025")
    register = require_rows(read_gias(gias_path), gias_path, 10000)
    lads = gpd.GeoDataFrame(ctx.con.execute("SELECT code, geometry FROM areas WHERE level = 'lad'").df())
    lads = gpd.GeoDataFrame({"code": lads["code"]}, geometry=from_wkb(lads["geometry"]), crs="EPSG:4326")
    schools = classify(study_area_schools(register, ctx.frames["study21"], lads))
    if newer:
        ctx.record_input("schools", newer, len(schools))
    else:
        ctx.record("schools", "sch_gias_2025", len(register), len(schools))

    geo11 = ctx.frames["geo11"]
    lsoa11 = pd.Series(None, index=schools.index, dtype=object)
    located = schools["has_coordinates"].to_numpy()
    lsoa11[located] = assign_to_polygons(schools.loc[located, "lon"].to_numpy(), schools.loc[located, "lat"].to_numpy(), geo11).to_numpy()
    schools["lsoa11_code"] = lsoa11

    paths = {source_id: ctx.source_path(source_id) for source_id in PERFORMANCE_1819}
    performance, rows_read = read_performance_1819(paths)
    schools = join_performance(schools, performance)
    for source_id, mapping in PERFORMANCE_1819.items():
        found = int(schools[list(mapping)].notna().any(axis=1).sum())
        ctx.record("schools", source_id, rows_read[source_id], found)
    schools = schools[SCHOOL_COLUMNS].sort_values("urn").reset_index(drop=True)
    ctx.write("schools", schools)

    _write_child_income(ctx)

    secondary = schools[schools["is_secondary"]]
    gias_id, gias_vintage = (newer.file.name, newer.vintage) if newer else ("sch_gias_2025", "2025-05-24")
    ctx.fact("schools", gias_id, gias_vintage, "open establishments in the study area", len(schools))
    ctx.fact("schools", gias_id, gias_vintage, "state-funded secondary and all-through schools", len(secondary))
    ctx.fact("schools", gias_id, gias_vintage, "schools without coordinates", int((~schools["has_coordinates"]).sum()),
             "listed, not mapped, not scored on area measures")
    ctx.fact("schools", "sch_census_1819", "2018-19", "study-area schools whose URN is in the 2018-19 tables",
             int(schools["in_tables_1819"].sum()), "academy conversions since 2019 change the URN: those schools have no 2018-19 row")
    ctx.fact("schools", "sch_abs_1819", "2018-19", "secondary schools with 2018-19 absence (URN kept since)",
             int(secondary["absence_pct_1819"].notna().sum()), f"of {len(secondary)} state-funded secondary/all-through schools")


def _newest_gias(ctx: BuildContext):
    """A user's GIAS establishment file (the newest by vintage), read in place of the mirrored register."""
    supplied = [a for a in ctx.inputs if a.dataset in ("gias", "gias_package") and a.file.member is None]
    return max(supplied, key=lambda a: a.vintage.replace("-", "")) if supplied else None


def _write_child_income(ctx: BuildContext) -> None:
    """Table `idaci19_lsoa11`: per study-area LSOA (2011) the IDACI 2019 numerator (children aged 0-15 in
    income-deprived families, File 8) and its denominator (children aged 0-15, mid-2015, File 6).

    Why: IDACI is an LSOA score; the rate around a school is sum(numerators) / sum(children) over the LSOAs
    near it, which is the official definition applied to the pooled area (weighted by child population)."""
    codes = ctx.frames["study11"]["code"]
    f8 = ctx.read_csv("iod19_f8", ["lsoa11_code", "income_deprivation_affecting_children_index_idaci_numerator"])
    f6 = ctx.read_csv("iod19_f6", ["LSOA code (2011)", "Dependent Children aged 0-15: mid 2015 (excluding prisoners)"])
    numerator = _number(f8.set_index("lsoa11_code")["income_deprivation_affecting_children_index_idaci_numerator"])
    children = _number(f6.set_index("LSOA code (2011)")["Dependent Children aged 0-15: mid 2015 (excluding prisoners)"])
    table = pd.DataFrame({"code": codes.to_numpy(), "idaci_numerator": numerator.reindex(codes).to_numpy(),
                          "children_0_15": children.reindex(codes).to_numpy()})
    if table["children_0_15"].isna().any():
        raise SourceError("IoD2019 File 6 lacks some study-area LSOAs (2011): fetch the official file again.")
    ctx.fact("schools", "iod19_f8", "2019", "study-area LSOAs (2011) without an IDACI numerator in File 8",
             int(table["idaci_numerator"].isna().sum()), "left out of the IDACI rate around a school (numerator and children both)")
    ctx.record("schools", "iod19_f8", len(f8), len(table))
    ctx.record("schools", "iod19_f6", len(f6), len(table))
    ctx.write("idaci19_lsoa11", table)
