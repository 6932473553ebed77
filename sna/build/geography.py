"""Official lookups turned into the area hierarchy: LSOA (2011 and 2021) -> ward -> LAD -> region.

Wards are the 2024 wards of the official LSOA 2021 best-fit lookup. A 2011 LSOA goes to the ward
and LAD of its 2021 successors (the official LSOA 2011->2021 lookup); where successors fall in
different wards the ward holding most of them is used (best fit), and the build says so.
"""

from __future__ import annotations

import pandas as pd

from sna.build.readers import english_rows

ENGLAND_CODE = "E92000001"


def lsoa21_hierarchy(lsoa21_ward: pd.DataFrame, lad_region: pd.DataFrame) -> pd.DataFrame:
    """One row per 2021 LSOA in England: code, name, ward, LAD, region."""
    frame = lsoa21_ward.rename(columns={"lsoa21_code": "code", "lsoa21_name": "name", "ward24_code": "ward_code",
                                        "ward24_name": "ward_name", "ltla24_code": "lad_code", "ltla24_name": "lad_name"})
    frame = frame[english_rows(frame["code"])]
    regions = lad_region.set_index("ltla24_code")
    frame = frame.assign(region_code=frame["lad_code"].map(regions["region24_code"]),
                         region_name=frame["lad_code"].map(regions["region24_name"]))
    return frame[["code", "name", "ward_code", "ward_name", "lad_code", "lad_name", "region_code", "region_name"]].reset_index(drop=True)


def lsoa11_hierarchy(lsoa11_lsoa21: pd.DataFrame, lsoa21: pd.DataFrame) -> pd.DataFrame:
    """One row per 2011 LSOA in England, placed in the ward/LAD/region of its 2021 successors."""
    links = lsoa11_lsoa21[english_rows(lsoa11_lsoa21["lsoa11_code"])]
    joined = links.merge(lsoa21, left_on="lsoa21_code", right_on="code", how="left")
    best = (joined.groupby(["lsoa11_code", "ward_code"], as_index=False).size()
            .sort_values(["lsoa11_code", "size", "ward_code"], ascending=[True, False, True])
            .drop_duplicates("lsoa11_code"))
    split_wards = joined.groupby("lsoa11_code")["ward_code"].nunique()
    first = joined.drop_duplicates("lsoa11_code").set_index("lsoa11_code")
    out = pd.DataFrame({"code": best["lsoa11_code"].to_numpy()})
    out["name"] = out["code"].map(first["lsoa11_name"])
    out["ward_code"] = best["ward_code"].to_numpy()
    wards = lsoa21.drop_duplicates("ward_code").set_index("ward_code")
    out["ward_name"] = out["ward_code"].map(wards["ward_name"])
    for col in ("lad_code", "lad_name", "region_code", "region_name"):
        out[col] = out["code"].map(first[col])
    out["ward_best_fit"] = out["code"].map(split_wards).fillna(1) > 1
    return out


def lsoa21_populations(lsoa11_lsoa21: pd.DataFrame, lsoa11_pops: list[pd.Series]) -> list[pd.Series]:
    """Carry 2011-LSOA populations onto 2021 LSOAs: a split parent's people shared equally among
    its successors, merged parents summed. Approximate where LSOAs split; used only as weights.
    Several populations at once: the links are de-duplicated and grouped once for all of them."""
    links = lsoa11_lsoa21[["lsoa11_code", "lsoa21_code"]].drop_duplicates()
    children = links.groupby("lsoa11_code")["lsoa21_code"].transform("size")
    shares = pd.DataFrame({i: links["lsoa11_code"].map(pop) / children for i, pop in enumerate(lsoa11_pops)})
    sums = shares.groupby(links["lsoa21_code"]).sum(min_count=1)
    return [sums[i].rename("population") for i in range(len(lsoa11_pops))]
