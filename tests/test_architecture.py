"""The layout is the architecture: imports run one way (pages -> sna.ui -> sna.analysis -> sna.db /
sna.registry), the pure packages never import streamlit, no module imports itself back in a circle,
and no module grows past one job's length."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sna", "geo")
MAX_LINES = 450

# Layer of a module -> the layers it may import from (its own layer always allowed).
ALLOWED = {
    "config": set(), "errors": set(),
    "registry": {"config", "errors"},
    "db": {"config", "errors"},
    "geo": {"errors"},
    "userfiles": {"geo", "db", "errors", "config"},
    "areafiles": {"geo", "db", "errors", "config", "analysis"},
    "reports": {"geo", "db", "registry", "config", "errors", "analysis", "areafiles"},
    "analysis": {"geo", "db", "registry", "config", "errors"},
    "build": {"geo", "db", "registry", "config", "errors", "analysis", "userfiles"},
    "ui": {"geo", "db", "registry", "config", "errors", "analysis", "userfiles", "areafiles", "reports"},
    "cli": {"config", "errors", "build", "registry", "db", "doctor"},
    "doctor": {"config", "errors", "registry", "db"},
    "pages": {"ui", "analysis", "db", "registry", "config", "errors", "geo", "userfiles", "areafiles", "reports"},
}
STREAMLIT_FREE = {"config", "errors", "registry", "db", "geo", "userfiles", "areafiles", "reports", "analysis", "build", "cli", "doctor"}


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "geo":
        return "geo"
    if parts[0] in ("pages", "app"):
        return "pages"
    if len(parts) == 1:
        return "sna"
    return parts[1] if parts[1] not in ("__main__",) else "cli"


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]:
        found[f"pages.{path.stem}"] = path
    return found


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


MODULES = modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_one_way(module):
    own = layer(module)
    if own in ("sna",):
        return
    bad = []
    for name in imports_of(MODULES[module]):
        top = name.split(".")[0]
        if top == "streamlit" and own in STREAMLIT_FREE:
            bad.append(name)
        if top in PACKAGES and name in MODULES and name != "sna":
            target = layer(name)
            if target != own and target not in ALLOWED.get(own, set()):
                bad.append(f"{name} ({target})")
    assert not bad, f"{module} ({own}) imports {bad}: imports run pages -> ui -> analysis -> db/registry"


def test_no_import_cycles():
    graph = {m: {n for n in imports_of(p) if n in MODULES and n != m} for m, p in MODULES.items()}
    seen, stack, cycles = set(), [], []

    def visit(node):
        if node in stack:
            cycles.append(stack[stack.index(node):] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for nxt in graph[node]:
            if not nxt.startswith(node + "."):  # a package importing its own submodule is not a cycle
                visit(nxt)
        stack.pop()

    for m in sorted(graph):
        visit(m)
    assert not cycles, f"import cycles: {cycles[:3]}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.startswith("pages.")))
def test_modules_hold_one_job(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by job"


@pytest.mark.parametrize("page", ["app.py", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))])
def test_pages_draw_nothing_by_magic(page):
    """Streamlit's magic is off (.streamlit/config.toml): a bare expression in a page would silently show
    nothing, so pages draw only through explicit st.* calls."""
    tree = ast.parse((ROOT / page).read_text(encoding="utf-8"))
    bare = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Expr)
            and not isinstance(n.value, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom))
            and not (isinstance(n.value, ast.Constant) and isinstance(n.value.value, str))]
    assert not bare, f"{page}: bare expressions at lines {bare} would draw nothing with magic off"
    assert "magicEnabled = false" in (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
