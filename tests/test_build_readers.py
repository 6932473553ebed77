"""The build parses the lookups and the IoD files with Arrow's reader (sna.build.readers.read_csv_arrow,
read_csv(fast=True), read_once) because it gives exactly what pandas' reader gives for them: pinned here
on every such registered CSV of the mirror, column by column (names, order, dtypes, every value exactly,
missing strings as NaN), so a new vintage that Arrow would read differently fails here rather than
changing a figure (issue 13, build speed). Other files keep pandas' reader: for some (GIAS longitudes,
the health index) the two differ in the last digits of a float."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sna.build.readers import read_csv, read_csv_arrow, read_with_arrow
from sna.registry import sources




def _registered_csvs(sources_dir) -> list:
    found = []
    for source in sources.all_sources().values():
        if source.file.endswith(".csv") and read_with_arrow(source.id):
            path = sources_dir / source.file
            if path.exists():
                found.append(path)
    return found


def _same(a: pd.DataFrame, b: pd.DataFrame, where: str) -> None:
    assert list(a.columns) == list(b.columns), where
    assert len(a) == len(b), where
    for column in a.columns:
        x, y = a[column], b[column]
        assert x.dtype == y.dtype, f"{where}: {column} {x.dtype} vs {y.dtype}"
        if x.dtype == object:
            assert [type(v) for v in x] == [type(v) for v in y], f"{where}: {column} (types)"
            assert x.fillna("<missing>").tolist() == y.fillna("<missing>").tolist(), f"{where}: {column}"
        else:
            assert np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=x.dtype.kind == "f"), f"{where}: {column}"


def test_arrow_reads_the_lookups_and_iod_files_exactly_as_pandas_does(sources_dir):
    paths = _registered_csvs(sources_dir)
    assert len(paths) >= 14
    for path in paths:
        fast = read_csv_arrow(path)
        assert fast is not None, path.name
        _same(pd.read_csv(path, encoding="utf-8-sig", low_memory=False), fast, path.name)


def test_columns_and_fallbacks(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("code,name,n,x,flag\nE01,a b,1,1.5,True\nE02,,2,,False\nE03,NA,3,2.25,\n", encoding="utf-8")
    _same(pd.read_csv(plain, usecols=["code", "x"]), read_csv_arrow(plain, ["code", "x"]), "columns")
    _same(pd.read_csv(plain), read_csv_arrow(plain), "whole")
    dates = tmp_path / "dates.csv"
    dates.write_text("code,day\nE01,2024-01-31\n", encoding="utf-8")
    assert read_csv_arrow(dates) is None  # Arrow would make dates: pandas reads it
    empty = tmp_path / "empty.csv"
    empty.write_text("code,value\nE01,\n", encoding="utf-8")
    assert read_csv_arrow(empty) is None  # an all-missing column
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("a,a\n1,2\n", encoding="utf-8")
    assert read_csv_arrow(repeated) is None
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes("\ufeffcode,n\nE01,1\n".encode("utf-8"))
    _same(pd.read_csv(with_bom, encoding="utf-8-sig"), read_csv(with_bom), "bom")
    assert read_csv_arrow(plain, []) is None
    with pytest.raises(Exception, match="lacks the column"):
        read_csv(plain, ["missing"])
