"""The code a job runs, found from its script's imports, so that Snakemake reruns exactly the
jobs whose code changed.

A job script's code closure is the script plus every project module it imports, transitively,
including imports inside functions (most heavy imports are deferred into the function that needs
them) and the `__init__.py` of every package on the way. It is computed from the source text (no
module is executed) when Snakemake builds the DAG, and reaches each rule as one parameter, a
digest of the closure's files: an edit to any of them changes the parameter, so the jobs of that
rule rerun (Snakemake's default `params` rerun trigger), and the job display keeps showing only
the data inputs. Edits to modules outside the closure (the report's code, for a training job)
change nothing.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path


def module_file(name: str, root: Path) -> Path | None:
    """The file of project module ``name`` (a package's __init__.py), or None if it is not ours."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1])  # relative imports resolve against the module's package


def _imported_names(path: Path, root: Path) -> frozenset[str]:
    """Dotted names a file may import: `import a.b`, `from a import b` (a.b may be a module), relative
    imports, and `importlib.import_module("a.b")` / `__import__("a.b")` with a literal name."""
    package = _package_of(path, root) if path.is_relative_to(root) else ""
    return _names_in_source(path.read_text(encoding="utf-8"), package, str(path))


@lru_cache(maxsize=None)
def _names_in_source(text: str, package: str, filename: str) -> frozenset[str]:
    # Keyed on the text itself, so an edited file is parsed again; the rules' closures share most
    # modules, and parsing each once instead of once per rule takes a DAG build from 4 s to 1.5 s.
    names: set[str] = set()
    for node in ast.walk(ast.parse(text, filename=filename)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".") if package else []
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return frozenset(n for n in names if n)


def _with_parents(name: str) -> list[str]:
    """`a.b.c` -> a, a.b, a.b.c: importing a module runs every package __init__ above it."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def code_closure(script: str | Path, root: str | Path) -> list[Path]:
    """The script and the project files it imports, transitively, sorted."""
    root, script = Path(root).resolve(), Path(script).resolve()
    seen, todo, files = {script}, [script], {}
    while todo:
        for name in _imported_names(todo.pop(), root):
            for module in _with_parents(name):
                if module not in files:  # `torch`, `robustflow`, ... are named by most files
                    files[module] = module_file(module, root)
                path = files[module]
                if path is not None and path not in seen:
                    seen.add(path)
                    todo.append(path)
    return sorted(seen)


@lru_cache(maxsize=None)
def code_digest(script: str | Path, root: str | Path) -> str:
    """sha256 over the closure's paths (relative to ``root``) and contents: the rule's code version."""
    root = Path(root).resolve()
    digest = hashlib.sha256()
    for path in code_closure(script, root):
        rel = path.relative_to(root) if path.is_relative_to(root) else path
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
