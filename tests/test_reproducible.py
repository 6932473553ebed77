"""Indirect dependencies are pinned: constraints.txt covers every pin at the same version and the
setup command installs with it (issue 13, reproducibility)."""

from __future__ import annotations

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from sna.config import REPO_ROOT


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            pins[canonicalize_name(req.name)] = str(req.specifier).removeprefix("==")
    return pins


def test_constraints_cover_every_pin_at_the_same_version():
    locked = _pins("constraints.txt")
    assert len(locked) > 40  # the indirect ones too (streamlit alone pulls in ~30)
    for name in ("requirements.txt", "requirements-dev.txt"):
        for package, version in _pins(name).items():
            assert locked.get(package) == version, f"{package}: {name} pins {version}, constraints.txt has {locked.get(package)}"
    for indirect in ("protobuf", "starlette", "uvicorn", "pyproj", "packaging"):  # pulled in, never pinned directly
        assert indirect in locked, indirect


def test_setup_installs_with_the_constraints_and_make_lock_refreshes_them():
    setup = (REPO_ROOT / "scripts/setup.sh").read_text()
    assert "-c constraints.txt" in setup
    assert "scripts/lock.py" in (REPO_ROOT / "Makefile").read_text()
