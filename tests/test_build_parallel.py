"""Steps run in the build's second process (sna.build.parallel): what goes wrong there stops the build in
the parent with the step's own error, and leaves no temporary file (issue 13, build speed)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sna.build import parallel
from sna.errors import SourceError


class _TwoArguments(Exception):
    def __init__(self, first, second):
        super().__init__(f"{first} {second}")


@pytest.mark.parametrize("error, expected", [(SourceError("the boundary file is odd"), SourceError),
                                             (_TwoArguments(1, 2), RuntimeError)])
def test_a_failing_detached_step_stops_the_build(sources_dir, tmp_path, monkeypatch, error, expected):
    import sna.build.pipeline as pipeline
    from sna.config import settings

    if not parallel.workers_allowed():
        pytest.skip("one core: no second process")

    def fail(ctx):
        raise error

    steps = [(name, fail if name == "area boundaries" else step) for name, step in pipeline.STEPS]
    monkeypatch.setattr(pipeline, "STEPS", steps)
    config = replace(settings(), sources_dir=sources_dir, db_path=tmp_path / "sna.duckdb")
    with pytest.raises(expected, match="boundary file is odd" if expected is SourceError else "_TwoArguments"):
        pipeline.build("west-midlands", config=config, progress=False)
    assert list(tmp_path.iterdir()) == []
