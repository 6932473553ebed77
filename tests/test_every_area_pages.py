"""Every page runs for a partnership whose 2021 LSOAs have no boundaries (West Yorkshire): areas held
without geometry are left off the map instead of breaking it."""

from __future__ import annotations

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.boundaries import simplify_together
from geo.display import polygon_rows
from sna.config import REPO_ROOT

PAGES = [None, "pages/1_Area_explorer.py", "pages/2_Priority_schools.py", "pages/3_Places.py", "pages/4_Data_and_methods.py"]


def test_missing_geometries_stay_missing():
    square = shapely.box(0, 0, 1, 1)
    out = simplify_together([square, None, shapely.box(1, 0, 2, 1)], 0.01)
    assert out[1] is None and out[0].equals(square)
    assert list(simplify_together([None, None], 0.01)) == [None, None]
    import pandas as pd
    assert polygon_rows(pd.DataFrame({"code": ["a", "b"], "display": [None, None]})) == []


@pytest.mark.slow
def test_every_page_runs_for_west_yorkshire(sources_dir, tmp_path_factory, monkeypatch):
    from sna.build import build

    path = tmp_path_factory.mktemp("wy") / "sna.duckdb"
    monkeypatch.setenv("SNA_DB", str(path))
    build("west-yorkshire", progress=False)
    for page in PAGES:
        at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180)
        at.run()
        if page:
            at.switch_page(page).run()
        assert not at.exception, f"{page or 'Home'}: {at.exception}"
        assert "The data is not available right now" not in [t.value for t in at.title]
