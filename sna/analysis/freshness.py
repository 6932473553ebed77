"""How fresh the data is: per dataset, the vintage the build held, the files it used (mirror or the
user's own), and where the registry knows it the newest release the publisher has out.

Why: a board running this for years must see at a glance when a newer official release exists."""

from __future__ import annotations

import re

import pandas as pd

from sna.registry.datasets import DATASETS, Dataset

NOT_RECORDED = "not recorded in the registry"


def vintage_span(vintages: list[str]) -> str:
    """'2018-03 to 2018-05' and '2018-06' -> '2018-03 to 2018-06' (one value stays as it is)."""
    ends = [part.strip() for v in vintages if v for part in str(v).split(" to ")]
    if not ends:
        return "unknown"
    first, last = min(ends), max(ends)
    return first if first == last else f"{first} to {last}"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def status(held: str, dataset: Dataset) -> str:
    """Whether the publisher has released something newer than the newest vintage held."""
    if not dataset.latest_published:
        return f"newest release {NOT_RECORDED}; check {dataset.download_page}"
    newest_held = _digits(held.split(" to ")[-1])
    latest = _digits(dataset.latest_published)
    width = min(len(newest_held), len(latest))
    if not width:
        return f"compare by hand with {dataset.latest_published}"
    if newest_held[:width] >= latest[:width]:
        return "up to date"
    how = f"`python -m sna fetch {dataset.key}`" if dataset.fetch_url else f"download from {dataset.download_page}"
    return f"newer release out ({dataset.latest_published}): {how}, or put the file in data/incoming"


def freshness_table(files: pd.DataFrame, registry: dict[str, Dataset] | None = None) -> pd.DataFrame:
    """One row per dataset the build read files of (files: db.files_by_dataset)."""
    registry = registry or DATASETS
    rows = []
    for key, group in files.groupby("dataset", sort=False):
        dataset = registry.get(key)
        if dataset is None:
            continue
        group = group.drop_duplicates("file")  # a file read by two steps counts once
        held = vintage_span(group["vintage"].tolist())
        mirror = group["origin"].eq("mirror")
        used = ", ".join(part for part in (f"{int(mirror.sum())} mirrored" if mirror.any() else "",
                                            f"{int((~mirror).sum())} user-supplied" if (~mirror).any() else "") if part)
        rows.append({"Dataset": dataset.title, "Publisher": dataset.publisher, "Vintage held": held,
                     "Files used": f"{used} ({int(group['rows_read'].sum()):,} rows)",
                     "Newest published": dataset.latest_published or NOT_RECORDED,
                     "Checked on": dataset.latest_checked_on or "",
                     "Status": status(held, dataset), "Releases": dataset.release_cadence,
                     "Download page": dataset.download_page})
    return pd.DataFrame(rows, columns=["Dataset", "Vintage held", "Newest published", "Status", "Files used",
                                       "Checked on", "Releases", "Publisher", "Download page"])
