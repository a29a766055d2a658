"""The import structure: the ground floor (robustflow/) imports nothing above it, no package
imports a later one, and no module imports itself back through others. Every import counts,
those deferred into functions included (they run too, only later)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Lowest first; a package may import its own modules and those of the packages before it.
LAYERS = ("robustflow", "prepare", "resources", "models", "augment", "robust_train", "evaluation", "experiments",
          "report")


def project_modules() -> dict[str, Path]:
    return {".".join(f.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"): f
            for layer in LAYERS for f in (REPO / layer).rglob("*.py")}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a file imports (``from a.b import c`` counts a.b.c when that is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def test_no_import_runs_upward():
    upward = sorted(f"{m} -> {t}" for m, targets in import_graph().items() for t in targets if layer(t) > layer(m))
    assert not upward, "imports from a lower package to a later one:\n" + "\n".join(upward)


def test_no_module_imports_itself_back():
    graph = import_graph()
    # A package's __init__ re-exporting its modules is not a circle: only module-to-module edges count.
    edges = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in graph.items()}
    circles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                circles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_the_checker_sees_an_upward_and_a_circular_import(tmp_path):
    """The walk finds what it must refuse (a deferred import included)."""
    (tmp_path / "a.py").write_text("def f():\n    from robustflow.tasks import base\n    import report.gates\n")
    modules = {"robustflow.tasks.base": tmp_path, "report.gates": tmp_path}
    found = imports_of(tmp_path / "a.py", modules)
    assert found == {"robustflow.tasks.base", "report.gates"} and layer("report.gates") > layer("robustflow.tasks.base")
