"""`python -m sna import-routes FILE` (placeholder until the places work lands)."""
