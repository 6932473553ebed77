"""What the Data and methods page (and every export) says about how figures are made."""

from __future__ import annotations

import pandas as pd

from sna import db
from sna.analysis.values import POLARITY_WORDS


def catalogue_table(cat: pd.DataFrame) -> pd.DataFrame:
    """The indicator catalogue for people: definition, unit, source, publisher, vintage, licence, link."""
    return pd.DataFrame({"Theme": cat["theme"], "Indicator": cat["title"], "Definition": cat["definition"],
                         "Unit": cat["unit"], "Higher is": cat["polarity"].map(POLARITY_WORDS),
                         "Published for": cat["geography"].map(db.LEVEL_LABELS),
                         "How areas are combined": cat["aggregation_text"], "Publisher": cat["publisher"],
                         "Vintage": cat["vintage"], "Licence": cat["licence"], "Link": cat["official_page"],
                         "Id": cat["id"]}).sort_values(["Theme", "Indicator"]).reset_index(drop=True)


AGGREGATION_WORDS = {
    "sum": "Counts are added up over the LSOAs in the ward or local authority.",
    "ratio": "Rates and shares are recomputed from summed numerators and denominators (not averaged).",
    "weighted_mean": "IoD scores and rates are population-weighted means of the LSOA values.",
    "lsoa_share": "Shares of LSOAs count the LSOAs in a decile, as the official local authority summaries do.",
    "none": "Ranks and deciles belong to single LSOAs and are not combined to wards or local authorities.",
    "native": "Published for local authorities by the source; used as published.",
    "iod_summary": ("IoD local authority summaries (average score and rank, share of LSOAs in the most deprived 10%, extent, "
                    "local concentration) are computed from the LSOAs of every English local authority as the official ones are."),
}

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0: Office for National "
    "Statistics (population estimates, boundaries and lookups), Ministry of Housing, Communities and Local Government "
    "(English Indices of Deprivation 2019 and 2025), Department for Education, and police.uk (street-level crime). "
    "Contains OS data © Crown copyright and database right (OS OpenData: Code-Point Open, boundaries). "
    "Contains Royal Mail data © Royal Mail copyright and database right."
)

IOD_NOT_A_SERIES = (
    "The Indices of Deprivation 2019 are published for 2011 LSOAs and the 2025 indices for 2021 LSOAs, with different "
    "indicators, data years and methods. They are not a time series: compare ranks within one edition, not scores "
    "between editions."
)

CI_TEXT = (
    "Where an indicator is a count divided by a population (police.uk rates per 1,000 residents), its 95% confidence "
    "interval uses Byar's method; where it is a proportion (a share of residents or of LSOAs), the Wilson score "
    "method. This is what Fingertips (OHID) does. An area is shown as better or worse than England or its local "
    "authority when its interval does not include the comparator's value, otherwise similar. IoD scores and rates "
    "are published without numerators, so they have no interval and are not tested."
)
