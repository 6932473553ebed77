"""One-off helper that wrote the first sna/registry/indicators.csv (kept for reference).

The registry is data: edit the CSV by hand to add or change an indicator; re-running this
script overwrites hand edits.
"""

import csv
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "sna" / "registry" / "indicators.csv"
COLUMNS = ["id", "title", "theme", "unit", "polarity", "source", "loader", "column", "geography",
           "aggregation", "weight", "multiplier", "decile_indicator", "definition"]
rows: list[dict] = []


def add(**row):
    rows.append({c: row.get(c, "") for c in COLUMNS})


IOD19 = "English Indices of Deprivation 2019 (LSOA 2011)"
IOD25 = "English Indices of Deprivation 2025 (LSOA 2021)"
DOMAINS19 = [
    ("imd", "Index of Multiple Deprivation (IMD)", "iod19_f1", "Index of Multiple Deprivation (IMD) Rank", "Index of Multiple Deprivation (IMD) Decile"),
    ("income", "Income", "iod19_f2", "Income Rank (where 1 is most deprived)", "Income Decile (where 1 is most deprived 10% of LSOAs)"),
    ("employment", "Employment", "iod19_f2", "Employment Rank (where 1 is most deprived)", "Employment Decile (where 1 is most deprived 10% of LSOAs)"),
    ("education", "Education, skills and training", "iod19_f2", "Education, Skills and Training Rank (where 1 is most deprived)", "Education, Skills and Training Decile (where 1 is most deprived 10% of LSOAs)"),
    ("health", "Health deprivation and disability", "iod19_f2", "Health Deprivation and Disability Rank (where 1 is most deprived)", "Health Deprivation and Disability Decile (where 1 is most deprived 10% of LSOAs)"),
    ("crime", "Crime", "iod19_f2", "Crime Rank (where 1 is most deprived)", "Crime Decile (where 1 is most deprived 10% of LSOAs)"),
    ("barriers", "Barriers to housing and services", "iod19_f2", "Barriers to Housing and Services Rank (where 1 is most deprived)", "Barriers to Housing and Services Decile (where 1 is most deprived 10% of LSOAs)"),
    ("living_env", "Living environment", "iod19_f2", "Living Environment Rank (where 1 is most deprived)", "Living Environment Decile (where 1 is most deprived 10% of LSOAs)"),
    ("idaci", "Income deprivation affecting children (IDACI)", "iod19_f3", "Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived)", "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs)"),
    ("idaopi", "Income deprivation affecting older people (IDAOPI)", "iod19_f3", "Income Deprivation Affecting Older People (IDAOPI) Rank (where 1 is most deprived)", "Income Deprivation Affecting Older People (IDAOPI) Decile (where 1 is most deprived 10% of LSOAs)"),
]
THEME_OF = {"crime": "violence and crime", "education": "education", "health": "health", "barriers": "housing and services", "living_env": "living environment", "idaci": "children and young people"}

add(id="iod19_imd_score", title="IMD 2019 score", theme="deprivation", unit="score", polarity="higher_worse",
    source="iod19_f9", loader="imd19_score", geography="lsoa11", aggregation="weighted_mean", weight="iod19_pop",
    decile_indicator="iod19_imd_decile",
    definition=f"{IOD19}. IMD score rebuilt from File 9's exponentially transformed domain scores with the official weights (income and employment 22.5%, education and health 13.5%, crime, barriers and living environment 9.3%). Higher means more deprived. Aggregates are population-weighted (IoD mid-2015 denominators).")
for key, name, src, rank_col, dec_col in DOMAINS19:
    theme = THEME_OF.get(key, "deprivation")
    add(id=f"iod19_{key}_rank", title=f"{name} 2019: rank in England", theme=theme, unit="rank (1 = most deprived of 32,844)",
        polarity="lower_worse", source=src, loader="column", column=rank_col, geography="lsoa11", aggregation="none",
        decile_indicator=f"iod19_{key}_decile", definition=f"{IOD19}. Rank of the LSOA among England's 32,844; 1 is the most deprived. Ranks are not averaged to wards or LAs.")
    add(id=f"iod19_{key}_decile", title=f"{name} 2019: national decile", theme=theme, unit="decile (1 = most deprived 10%)",
        polarity="lower_worse", source=src, loader="column", column=dec_col, geography="lsoa11", aggregation="none",
        decile_indicator=f"iod19_{key}_decile", definition=f"{IOD19}. Decile of the LSOA's national rank; 1 is the most deprived 10% of LSOAs in England.")
add(id="iod19_imd_decile1_share", title="LSOAs in England's most deprived 10% (IMD 2019)", theme="deprivation", unit="% of LSOAs",
    polarity="higher_worse", source="iod19_f1", loader="share_decile1", column="iod19_imd_decile", geography="lsoa11",
    aggregation="lsoa_share", multiplier="100",
    definition=f"{IOD19}. Share of the area's LSOAs whose IMD decile is 1, as in the official local authority summaries (a count of LSOAs, not population-weighted). For one LSOA: 100 if in decile 1, else 0.")

SUB19 = [("Education", "Children and young people", "Children_and_young_people"), ("Education", "Adult skills", "Adult_skills"),
         ("Barriers", "Geographical barriers", "Geographical_barriers"), ("Barriers", "Wider barriers", "Wider_barriers"),
         ("Living environment", "Indoors living environment", "Indoors"), ("Living environment", "Outdoors living environment", "Outdoors")]
for parent, name, col in SUB19:
    key = col.lower()
    add(id=f"iod19_sub_{key}_rank", title=f"{name} sub-domain 2019: rank", theme="deprivation", unit="rank (1 = most deprived of 32,844)",
        polarity="lower_worse", source="iod19_f4", loader="column", column=f"{col}_rank", geography="lsoa11", aggregation="none",
        decile_indicator=f"iod19_sub_{key}_decile", definition=f"{IOD19}, File 4. {name} sub-domain of the {parent} domain: national rank, 1 most deprived.")
    add(id=f"iod19_sub_{key}_decile", title=f"{name} sub-domain 2019: decile", theme="deprivation", unit="decile (1 = most deprived 10%)",
        polarity="lower_worse", source="iod19_f4", loader="column", column=f"{col}_decile", geography="lsoa11", aggregation="none",
        decile_indicator=f"iod19_sub_{key}_decile", definition=f"{IOD19}, File 4. {name} sub-domain of the {parent} domain: national decile, 1 most deprived.")

# (column, title, theme, unit, polarity, aggregation)
UNDER19 = [
    ("income_domain_numerator", "People in income deprivation (2019)", "deprivation", "people", "higher_worse", "sum"),
    ("income_deprivation_affecting_children_index_idaci_numerator", "Children in income-deprived families (IDACI numerator, 2019)", "children and young people", "children aged 0-15", "higher_worse", "sum"),
    ("income_deprivation_affecting_older_people_index_idaopi_numerator", "Older people in income deprivation (IDAOPI numerator, 2019)", "deprivation", "people aged 60+", "higher_worse", "sum"),
    ("employment_domain_numerator", "People in employment deprivation (2019)", "deprivation", "people", "higher_worse", "sum"),
    ("staying_on_in_education_post_16_indicator", "Young people not staying on in education after 16 (2019)", "education", "proportion", "higher_worse", "weighted_mean"),
    ("entry_to_higher_education_indicator", "Young people not entering higher education (2019)", "education", "proportion", "higher_worse", "weighted_mean"),
    ("adult_skills_and_english_language_proficiency_indicator", "Adults lacking qualifications or English (2019)", "education", "proportion", "higher_worse", "weighted_mean"),
    ("years_of_potential_life_lost_indicator", "Years of potential life lost (2019)", "health", "standardised ratio", "higher_worse", "weighted_mean"),
    ("comparative_illness_and_disability_ratio_indicator", "Comparative illness and disability ratio (2019)", "health", "standardised ratio", "higher_worse", "weighted_mean"),
    ("acute_morbidity_indicator", "Acute morbidity (2019)", "health", "standardised ratio", "higher_worse", "weighted_mean"),
    ("mood_and_anxiety_disorders_indicator", "Mood and anxiety disorders (2019)", "health", "score", "higher_worse", "weighted_mean"),
    ("road_distance_to_a_post_office_indicator_km", "Road distance to a post office (2019)", "housing and services", "km", "higher_worse", "weighted_mean"),
    ("road_distance_to_a_primary_school_indicator_km", "Road distance to a primary school (2019)", "housing and services", "km", "higher_worse", "weighted_mean"),
    ("road_distance_to_general_store_or_supermarket_indicator_km", "Road distance to a general store or supermarket (2019)", "housing and services", "km", "higher_worse", "weighted_mean"),
    ("road_distance_to_a_gp_surgery_indicator_km", "Road distance to a GP surgery (2019)", "housing and services", "km", "higher_worse", "weighted_mean"),
    ("household_overcrowding_indicator", "Household overcrowding (2019)", "housing and services", "proportion of households", "higher_worse", "weighted_mean"),
    ("homelessness_indicator_rate_per_1000_households", "Homelessness (2019)", "housing and services", "per 1,000 households", "higher_worse", "weighted_mean"),
    ("owner_occupation_affordability_component_of_housing_affordability_indicator", "Owner-occupation affordability (2019)", "housing and services", "score", "higher_worse", "weighted_mean"),
    ("private_rental_affordability_component_of_housing_affordability_indicator", "Private rental affordability (2019)", "housing and services", "score", "higher_worse", "weighted_mean"),
    ("housing_affordability_indicator", "Housing affordability (2019)", "housing and services", "score", "higher_worse", "weighted_mean"),
    ("housing_in_poor_condition_indicator", "Housing in poor condition (2019)", "living environment", "proportion of dwellings", "higher_worse", "weighted_mean"),
    ("houses_without_central_heating_indicator", "Houses without central heating (2019)", "living environment", "proportion of dwellings", "higher_worse", "weighted_mean"),
    ("road_traffic_accidents_indicator", "Road traffic accidents involving pedestrians and cyclists (2019)", "living environment", "per 1,000 residents and workers", "higher_worse", "weighted_mean"),
    ("nitrogen_dioxide_component_of_air_quality_indicator", "Air quality: nitrogen dioxide (2019)", "living environment", "score", "higher_worse", "weighted_mean"),
    ("benzene_component_of_air_quality_indicator", "Air quality: benzene (2019)", "living environment", "score", "higher_worse", "weighted_mean"),
    ("sulphur_dioxide_component_of_air_quality_indicator", "Air quality: sulphur dioxide (2019)", "living environment", "score", "higher_worse", "weighted_mean"),
    ("particulates_component_of_air_quality_indicator", "Air quality: particulates (2019)", "living environment", "score", "higher_worse", "weighted_mean"),
    ("air_quality_indicator", "Air quality indicator (2019)", "living environment", "score", "higher_worse", "weighted_mean"),
]
for col, title, theme, unit, pol, agg in UNDER19:
    add(id=f"iod19_u_{col.replace('_indicator', '')[:48]}", title=title, theme=theme, unit=unit, polarity=pol, source="iod19_f8",
        loader="column", column=col, geography="lsoa11", aggregation=agg, weight="iod19_pop" if agg == "weighted_mean" else "",
        definition=f"{IOD19}, File 8 underlying indicator '{col}'. Aggregates: {'counts summed' if agg == 'sum' else 'population-weighted mean (IoD mid-2015 denominators)'}.")

DOMAINS25 = [("IMD", "imd", "Index of Multiple Deprivation (IMD)", "deprivation"), ("Income", "income", "Income", "deprivation"),
             ("Employment", "employment", "Employment", "deprivation"), ("Education", "education", "Education, skills and training", "education"),
             ("Health", "health", "Health deprivation and disability", "health"), ("Crime", "crime", "Crime", "violence and crime"),
             ("Housing_and_Services", "barriers", "Barriers to housing and services", "housing and services"),
             ("Environment", "living_env", "Living environment", "living environment")]
for col, key, name, theme in DOMAINS25:
    add(id=f"iod25_{key}_score", title=f"{name} 2025: score", theme=theme, unit="score", polarity="higher_worse", source="iod25_f7",
        loader="column", column=f"{col}_score", geography="lsoa21", aggregation="weighted_mean", weight="pop_lsoa21",
        decile_indicator=f"iod25_{key}_decile",
        definition=f"{IOD25}, File 7. Higher means more deprived. Ward and LA values are population-weighted means (mid-2020 population carried onto 2021 LSOAs with the official lookup).")
    add(id=f"iod25_{key}_rank", title=f"{name} 2025: rank in England", theme=theme, unit="rank (1 = most deprived of 33,755)",
        polarity="lower_worse", source="iod25_f7", loader="column", column=f"{col}_rank", geography="lsoa21", aggregation="none",
        decile_indicator=f"iod25_{key}_decile", definition=f"{IOD25}, File 7. National rank; 1 is the most deprived.")
    add(id=f"iod25_{key}_decile", title=f"{name} 2025: national decile", theme=theme, unit="decile (1 = most deprived 10%)",
        polarity="lower_worse", source="iod25_f7", loader="column", column=f"{col}_decile", geography="lsoa21", aggregation="none",
        decile_indicator=f"iod25_{key}_decile", definition=f"{IOD25}, File 7. National decile; 1 is the most deprived 10% of LSOAs.")
add(id="iod25_imd_decile1_share", title="LSOAs in England's most deprived 10% (IMD 2025)", theme="deprivation", unit="% of LSOAs",
    polarity="higher_worse", source="iod25_f7", loader="share_decile1", column="iod25_imd_decile", geography="lsoa21",
    aggregation="lsoa_share", multiplier="100",
    definition=f"{IOD25}. Share of the area's LSOAs whose IMD decile is 1 (count of LSOAs, as in official LA summaries).")
SUB25 = [("children_and_young_people", "Children and young people", "education"), ("adult_skills", "Adult skills", "education"),
         ("geographical_barriers", "Geographical barriers", "housing and services"), ("wider_barriers", "Wider barriers", "housing and services"),
         ("indoors", "Indoors living environment", "living environment"), ("outdoors", "Outdoors living environment", "living environment")]
for col, name, theme in SUB25:
    add(id=f"iod25_sub_{col}_score", title=f"{name} sub-domain 2025: score", theme=theme, unit="score", polarity="higher_worse",
        source="iod25_f7_sub", loader="column", column=f"{col}_score", geography="lsoa21", aggregation="weighted_mean", weight="pop_lsoa21",
        decile_indicator=f"iod25_sub_{col}_decile", definition=f"{IOD25}, sub-domains file. Higher means more deprived.")
    add(id=f"iod25_sub_{col}_decile", title=f"{name} sub-domain 2025: decile", theme=theme, unit="decile (1 = most deprived 10%)",
        polarity="lower_worse", source="iod25_f7_sub", loader="column", column=f"{col}_decile", geography="lsoa21", aggregation="none",
        decile_indicator=f"iod25_sub_{col}_decile", definition=f"{IOD25}, sub-domains file. National decile; 1 most deprived.")

UNDER25 = [
    ("violence_with_injury_rate_per_1_000_at_risk_population", "Violence with injury (IoD2025)", "violence and crime", "per 1,000 at-risk population", "higher_worse"),
    ("violence_without_injury_rate_per_1_000_at_risk_population", "Violence without injury (IoD2025)", "violence and crime", "per 1,000 at-risk population", "higher_worse"),
    ("stalking_and_harassment_rate_per_1_000_at_risk_population", "Stalking and harassment (IoD2025)", "violence and crime", "per 1,000 at-risk population", "higher_worse"),
    ("public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population", "Public order and possession of weapons (IoD2025)", "violence and crime", "per 1,000 at-risk population", "higher_worse"),
    ("anti_social_behaviour_rate_per_1_000_at_risk_population", "Anti-social behaviour (IoD2025)", "violence and crime", "per 1,000 at-risk population", "higher_worse"),
    ("burglary_rate_per_1_000_at_risk_properties", "Burglary (IoD2025)", "violence and crime", "per 1,000 at-risk properties", "higher_worse"),
    ("theft_rate_per_1_000_at_risk_population", "Theft (IoD2025)", "violence and crime", "per 1,000 at-risk population", "higher_worse"),
    ("criminal_damage_rate_per_1_000_at_risk_population", "Criminal damage (IoD2025)", "violence and crime", "per 1,000 at-risk population", "higher_worse"),
    ("income_domain_numerator", "People in income deprivation (2025)", "deprivation", "people", "higher_worse"),
    ("income_deprivation_affecting_children_index_idaci_numerator", "Children in income-deprived families (IDACI numerator, 2025)", "children and young people", "children aged 0-15", "higher_worse"),
    ("income_deprivation_affecting_older_people_index_idaopi_numerator", "Older people in income deprivation (IDAOPI numerator, 2025)", "deprivation", "people aged 60+", "higher_worse"),
    ("employment_domain_numerator", "People in employment deprivation (2025)", "deprivation", "people", "higher_worse"),
    ("adult_skills_and_english_language_proficiency_indicator", "Adults lacking qualifications or English (2025)", "education", "proportion", "higher_worse"),
    ("entry_to_higher_education_indicator", "Young people not entering higher education (2025)", "education", "proportion", "higher_worse"),
    ("acute_morbidity_indicator", "Acute morbidity (2025)", "health", "standardised ratio", "higher_worse"),
    ("comparative_illness_and_disability_ratio_indicator", "Comparative illness and disability ratio (2025)", "health", "standardised ratio", "higher_worse"),
    ("mental_health_indicator", "Mental health indicator (2025)", "health", "score", "higher_worse"),
    ("years_of_potential_life_lost_indicator", "Years of potential life lost (2025)", "health", "standardised ratio", "higher_worse"),
    ("connectivity_score", "Connectivity score (2025)", "housing and services", "score", "neutral"),
    ("owner_occupation_affordability_component_of_housing_affordability_indicator", "Owner-occupation affordability (2025)", "housing and services", "score", "higher_worse"),
    ("private_rental_affordability_component_of_housing_affordability_indicator", "Private rental affordability (2025)", "housing and services", "score", "higher_worse"),
    ("housing_affordability_indicator", "Housing affordability (2025)", "housing and services", "score", "higher_worse"),
    ("digital_connectivity_broadband_download_and_upload_speeds", "Digital connectivity (2025)", "housing and services", "score", "neutral"),
    ("core_homelessness_rate_percent_of_households", "Core homelessness (2025)", "housing and services", "% of households", "higher_worse"),
    ("patient_to_gp_ratio", "Patients per GP (2025)", "health", "patients per GP", "higher_worse"),
    ("homelessness_indicator_rate_per_1_000_households", "Homelessness (2025)", "housing and services", "per 1,000 households", "higher_worse"),
    ("household_overcrowding_indicator_rooms", "Household overcrowding, rooms (2025)", "housing and services", "proportion of households", "higher_worse"),
    ("household_overcrowding_indicator_bedrooms", "Household overcrowding, bedrooms (2025)", "housing and services", "proportion of households", "higher_worse"),
]
SHORT25 = {"violence_with_injury_rate_per_1_000_at_risk_population": "iod25_violence_with_injury",
           "violence_without_injury_rate_per_1_000_at_risk_population": "iod25_violence_without_injury",
           "public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population": "iod25_public_order_weapons",
           "anti_social_behaviour_rate_per_1_000_at_risk_population": "iod25_asb",
           "stalking_and_harassment_rate_per_1_000_at_risk_population": "iod25_stalking_harassment",
           "burglary_rate_per_1_000_at_risk_properties": "iod25_burglary", "theft_rate_per_1_000_at_risk_population": "iod25_theft",
           "criminal_damage_rate_per_1_000_at_risk_population": "iod25_criminal_damage"}
for col, title, theme, unit, pol in UNDER25:
    agg = "sum" if col.endswith("numerator") else "weighted_mean"
    ident = SHORT25.get(col, f"iod25_u_{col.replace('_indicator', '')[:48]}")
    add(id=ident, title=title, theme=theme, unit=unit, polarity=pol, source="iod25_f8", loader="column", column=col,
        geography="lsoa21", aggregation=agg, weight="pop_lsoa21" if agg == "weighted_mean" else "",
        definition=f"{IOD25}, File 8 underlying indicator '{col}'. " + ("Recorded crime rates feed the IoD2025 crime domain (police recorded crime, about two years to 2023/24). " if "rate_per_1_000_at_risk" in col else "") +
        f"Aggregates: {'counts summed' if agg == 'sum' else 'population-weighted mean'}. Not comparable with IoD2019 (different LSOAs and methods).")

POP = "ONS small-area population estimates, mid-2020 (LSOA 2011)"
add(id="pop_total", title="Residents (all ages)", theme="population", unit="people", polarity="neutral", source="pop_sape_2020",
    loader="population", column="total", geography="lsoa11", aggregation="sum", definition=f"{POP}. Usual residents, all ages.")
add(id="pop_10_24", title="Residents aged 10-24", theme="population", unit="people", polarity="neutral", source="pop_sape_2020",
    loader="population", column="10-24", geography="lsoa11", aggregation="sum", definition=f"{POP}. Residents aged 10 to 24 inclusive (single years of age summed).")
add(id="pop_10_24_share", title="Share of residents aged 10-24", theme="population", unit="%", polarity="neutral", source="pop_sape_2020",
    loader="population", column="10-24 share", geography="lsoa11", aggregation="ratio", multiplier="100",
    definition=f"{POP}. Residents aged 10-24 as a percentage of all residents; aggregates are summed numerators over summed denominators.")

POLICE = "police.uk street-level crime (anonymised points, assigned to 2011 LSOAs by their coordinates), by month"
GROUPS = [("serious_violence", "Serious violence (local definition)", "the crime types in the study area's serious-violence definition"),
          ("violence_sexual", "Violence and sexual offences", "'Violence and sexual offences'"),
          ("robbery", "Robbery", "'Robbery'"), ("weapons", "Possession of weapons", "'Possession of weapons'"),
          ("asb", "Anti-social behaviour incidents", "'Anti-social behaviour' (incidents, kept apart from crime)"),
          ("all_crime", "All recorded crime (excluding ASB)", "every crime type except anti-social behaviour")]
for key, title, what in GROUPS:
    add(id=f"police_{key}_count", title=f"{title}: police.uk count", theme="violence and crime", unit="crimes per month" if key != "asb" else "incidents per month",
        polarity="higher_worse", source="crime", loader="policeuk", column=key, geography="lsoa11", aggregation="sum",
        definition=f"{POLICE}. Count of {what}. Locations are snapped to anonymous map points, so small-area counts are approximate.")
    add(id=f"police_{key}_rate", title=f"{title}: rate per 1,000 residents", theme="violence and crime", unit="per 1,000 residents per month",
        polarity="higher_worse", source="crime", loader="policeuk", column=key, geography="lsoa11", aggregation="ratio", multiplier="1000",
        definition=f"{POLICE}. Count of {what} per 1,000 residents (ONS mid-2020). Aggregates: summed counts over summed residents; 95% confidence intervals by Byar's method.")

with OUT.open("w", newline="", encoding="utf-8") as handle:
    writer = csv.DictWriter(handle, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
print(len(rows), "indicators written to", OUT)
