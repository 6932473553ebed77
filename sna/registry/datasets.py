"""Dataset schemas: what a file of each official dataset must look like to be used without a checksum.

Why: the source registry (sources.csv) pins the exact mirrored files; a board that downloads a newer
release of the same dataset needs the build to accept it on its shape instead. Each record below
says how to recognise a file of the dataset, which columns and types it must have, how many rows
are plausible, which code columns must exist in the ONS lookups, and which columns hold months.
The checks themselves are in sna/build/schema_check.py. A new dataset is a new record here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Column types a schema can require. "code:<set>" columns hold codes that must be in a lookup set.
TYPES = ("text", "number", "month", "code")
CODE_SETS = {
    # LSOA codes of either generation (2011 or 2021), from the ONS LSOA 2011 -> 2021 lookup.
    "lsoa": "any LSOA code (2011 or 2021) in the ONS LSOA 2011 to 2021 lookup",
}


@dataclass(frozen=True)
class Dataset:
    """One official dataset that users may bring newer files of."""

    key: str
    title: str
    publisher: str
    licence: str
    download_page: str  # where a person downloads it by hand
    file_pattern: str  # regex on the file name (without folders) that recognises a file of this dataset
    signature: str  # a header column that only this dataset's files have
    columns: dict[str, str]  # required column -> type (see TYPES)
    rows: tuple[int, int]  # plausible rows per file (inclusive)
    codes: dict[str, str] = field(default_factory=dict)  # column -> code set (CODE_SETS) its codes must be in
    code_pattern: str = r"^[EW]0[12]\d{6}$"  # well-formed codes; others (blank, 999999999) are 'not recorded'
    max_unknown_code_share: float = 0.0  # share of well-formed codes allowed to be missing from the lookup
    mirror_sources: tuple[str, ...] = ()  # registered source ids (sources.csv) that are files of this dataset
    vintage_from_name: str = ""  # regex with a group 'vintage' on the file name
    force_from_name: str = ""  # police.uk: regex with a group 'force' on the file name (dedupe key with the month)
    used_by_build: bool = True  # False: checked and reported, but this version cannot use newer files yet
    release_cadence: str = ""
    latest_published: str = ""  # the newest release the publisher has out, maintained by hand ...
    latest_checked_on: str = ""  # ... with the date someone checked (YYYY-MM-DD); empty when unknown
    fetch_url: str = ""  # a stable URL of the newest release, when the publisher has one ({date} = YYYYMMDD)

    def matches_name(self, name: str) -> bool:
        return re.search(self.file_pattern, name, flags=re.IGNORECASE) is not None

    def force_of(self, name: str) -> str:
        found = re.search(self.force_from_name, name, flags=re.IGNORECASE) if self.force_from_name else None
        return found.group("force").lower().replace("_", "-") if found else ""

    def vintage_of(self, name: str) -> str:
        found = re.search(self.vintage_from_name, name, flags=re.IGNORECASE) if self.vintage_from_name else None
        return found.group("vintage") if found else ""


POLICE_LICENCE = "Open Government Licence v3.0"

DATASETS: dict[str, Dataset] = {d.key: d for d in [
    Dataset(
        key="policeuk_street", title="police.uk street-level crime, monthly CSV archive", publisher="police.uk (Home Office)",
        licence=POLICE_LICENCE, download_page="https://data.police.uk/data/archive/",
        file_pattern=r"^\d{4}-\d{2}-[a-z0-9-]+-street\.csv$", signature="Crime type",
        columns={"Crime ID": "text", "Month": "month", "Longitude": "number", "Latitude": "number", "Location": "text",
                 "LSOA code": "code", "Crime type": "text", "Last outcome category": "text"},
        rows=(50, 400_000), codes={"LSOA code": "lsoa"},
        mirror_sources=("crime_wyp_2016_07", "crime_wyp_2017_07", "crime_wyp_2018_07"),
        vintage_from_name=r"^(?P<vintage>\d{4}-\d{2})-", force_from_name=r"^\d{4}-\d{2}-(?P<force>[a-z0-9-]+)-street\.csv$",
        release_cadence="monthly, about two months after the month ends; each archive holds the latest 36 months",
        fetch_url="https://data.police.uk/data/archive/latest.zip"),
    Dataset(
        key="policeuk_api", title="police.uk street-level crime, API output (crimes-street)", publisher="police.uk (Home Office)",
        licence=POLICE_LICENCE, download_page="https://data.police.uk/docs/method/crime-street/",
        file_pattern=r"police_uk_api_street_crimes_.*\.csv$", signature="category",
        columns={"month": "month", "category": "text", "latitude": "number", "longitude": "number",
                 "street_name": "text", "crime_api_id": "text", "outcome_category": "text"},
        rows=(50, 400_000), mirror_sources=("crime_wmp_2018_06_api",),
        vintage_from_name=r"(?P<vintage>\d{4}-\d{2})\.csv$", force_from_name=r"street_crimes_(?P<force>[a-z0-9_-]+?)_\d{4}-\d{2}\.csv$",
        release_cadence="monthly, as the CSV archive"),
    Dataset(
        key="gias", title="Get Information About Schools: all establishment data (edubasealldata)",
        publisher="DfE (Get Information About Schools)", licence="Open Government Licence v3.0",
        download_page="https://get-information-schools.service.gov.uk/Downloads",
        file_pattern=r"^edubasealldata\d{8}\.csv$", signature="EstablishmentName",
        columns={"URN": "number", "LA (code)": "text", "LA (name)": "text", "EstablishmentName": "text", "TypeOfEstablishment (name)": "text",
                 "EstablishmentTypeGroup (name)": "text", "PhaseOfEducation (name)": "text",
                 "EstablishmentStatus (name)": "text", "NumberOfPupils": "number", "PercentageFSM": "number",
                 "Easting": "number", "Northing": "number", "LSOA (code)": "code"},
        rows=(20_000, 150_000), codes={"LSOA (code)": "lsoa"}, max_unknown_code_share=0.01,
        vintage_from_name=r"edubasealldata(?P<vintage>\d{8})",
        release_cadence="daily",
        fetch_url="https://ea-edubase-api-prod.azurewebsites.net/edubase/downloads/public/edubasealldata{date}.csv"),
    Dataset(
        key="gias_package", title="Get Information About Schools: open establishments (mirrored data package)",
        publisher="DfE (Get Information About Schools)", licence="Open Government Licence v3.0",
        download_page="https://get-information-schools.service.gov.uk/Downloads",
        file_pattern=r"^gias_\d{4}-\d{2}-\d{2}_open_establishments.*\.csv$", signature="establishment_name",
        columns={"urn": "number", "la_code": "text", "la_name": "text", "establishment_number": "text", "establishment_name": "text", "establishment_type": "text",
                 "establishment_type_group": "text", "education_phase": "text", "number_of_pupils": "number",
                 "percentage_fsm": "number", "easting": "number", "northing": "number", "lsoa_code": "code",
                 "longitude": "number", "latitude": "number"},
        rows=(20_000, 150_000), codes={"lsoa_code": "lsoa"}, max_unknown_code_share=0.01,
        mirror_sources=("sch_gias_2025",), vintage_from_name=r"gias_(?P<vintage>\d{4}-\d{2}-\d{2})",
        release_cadence="daily (GIAS)"),
    Dataset(
        key="sape", title="ONS small-area (LSOA 2011) population estimates, single year of age",
        publisher="ONS", licence="Open Government Licence v3.0",
        download_page="https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates/"
                      "datasets/lowersuperoutputareamidyearpopulationestimates",
        file_pattern=r"sape_mid\d{4}_lsoa11.*\.csv$", signature="total_population",
        columns={"lsoa11_code": "code", "total_population": "number", "10": "number", "24": "number"},
        rows=(30_000, 40_000), codes={"lsoa11_code": "lsoa"},
        mirror_sources=("pop_sape_2019", "pop_sape_2020"), vintage_from_name=r"(?P<vintage>mid\d{4})",
        used_by_build=False,
        release_cadence="yearly; estimates from mid-2021 on use 2021 LSOAs"),
]}


# Files that come with a dataset's downloads but that this product does not read: skipped and counted.
SKIPPED_FILES = {
    r"-outcomes\.csv$": "police.uk outcomes file (the street file's 'Last outcome category' is used instead)",
    r"-stop-and-search\.csv$": "police.uk stop and search file (not used)",
    r"^(__MACOSX/|\.)": "archive metadata",
    r"^fetched\.csv$": "the log of `python -m sna fetch`",
}


def skip_reason(name: str) -> str:
    """Why a file inside a download is skipped, or '' when it should be read."""
    return next((why for pattern, why in SKIPPED_FILES.items() if re.search(pattern, name, flags=re.IGNORECASE)), "")


def get(key: str) -> Dataset:
    from sna.errors import ConfigError

    if key not in DATASETS:
        raise ConfigError(f"Unknown dataset '{key}'. Known datasets: {', '.join(DATASETS)}.")
    return DATASETS[key]


def recognise(name: str, header: list[str]) -> Dataset | None:
    """The dataset a file belongs to, by its header signature first and its name second."""
    by_signature = [d for d in DATASETS.values() if d.signature in header]
    if len(by_signature) > 1:
        by_signature = [d for d in by_signature if d.matches_name(name)] or by_signature[:1]
    if by_signature:
        return by_signature[0]
    return next((d for d in DATASETS.values() if d.matches_name(name)), None)
