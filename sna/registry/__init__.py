"""Declarative registries, as data: the official source files (sources.csv), the indicator catalogue
(indicators*.csv), police.uk crime types (crime_types.csv) and the study areas (data/areas/*.toml).
A new indicator, source or partnership is a new row or file, not new code."""
