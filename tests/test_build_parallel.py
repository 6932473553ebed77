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


def test_lsoa_boundaries_are_read_once_and_one_second_process_runs_at_a_time(sources_dir, tmp_path, monkeypatch):
    """The LSOA boundary files are read and repaired once per build (a second reading in a third process
    competed for the two cores), and no second process is started while another runs."""
    import sna.build.areas as areas
    import sna.build.pipeline as pipeline
    from sna.config import settings

    reads = tmp_path / "reads.txt"  # appended to by whichever process reads (a forked one too)
    original = areas.read_boundaries

    def counted(path, codes=None):
        with open(reads, "a") as handle:
            handle.write(f"{path}\n")
        return original(path, codes)

    monkeypatch.setattr(areas, "read_boundaries", counted)
    alive: list[object] = []
    peak = []
    start, collect = parallel.start, parallel.Detached.collect

    def started(*args, **kwargs):
        peak.append(len(alive) + 1)
        detached = start(*args, **kwargs)
        alive.append(detached)
        return detached

    def collected(self, ctx):
        alive.remove(self)
        return collect(self, ctx)

    monkeypatch.setattr(parallel, "start", started)
    monkeypatch.setattr(parallel.Detached, "collect", collected)
    config = replace(settings(), sources_dir=sources_dir, db_path=tmp_path / "sna.duckdb")
    pipeline.build("west-midlands", config=config, progress=False)
    paths = reads.read_text().splitlines()
    assert len(paths) == len(set(paths)) == 3  # LSOA 2011, LSOA 2021, LAD: each once
    assert max(peak, default=1) == 1
