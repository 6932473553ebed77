"""The build: official source files in, one validated DuckDB file out (sna.build.pipeline).

One module per source family: areas and populations (areas, geography), LSOA indicators
(lsoa_indicators: IoD 2019 and 2025, population), police.uk crime (crime), schools, postcodes,
local-authority indicators (la_indicators), and the project's own records (places, routes).
"""

from sna.build.pipeline import STEPS, BuildSummary, build, validate

__all__ = ["STEPS", "BuildSummary", "build", "validate"]
