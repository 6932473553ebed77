"""Pure computation the pages call: values and classes, statistics, profiles, search, the priority
score, corridors. Reads the database only through sna.db; never imports streamlit."""
