"""The layering of the package (:mod:`maskrender._layers`) holds: no import reaches a later layer
except the declared ones, every module has a layer, every module imports alone in a fresh
interpreter, and the architecture page shows the order the code enforces."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from maskrender import _layers

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "maskrender"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:`` (not imported at run time)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skip


def imports_of(module: str) -> set[str]:
    """Every maskrender module ``module`` imports at run time, at the top or inside a function."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "maskrender":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "maskrender")
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("import_module") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith("maskrender"):
                found.add(arg.value)
    found.discard(module)
    return found


def test_every_module_has_a_layer() -> None:
    assert [m for m in MODULES if _layers.layer_of(m) is None] == []


def test_no_import_reaches_a_later_layer() -> None:
    upward = [f"{m} ({_layers.layer_of(m)}) imports {t} ({_layers.layer_of(t)})"
              for m in MODULES for t in sorted(imports_of(m)) if not _layers.allowed(m, t)]
    assert upward == []


def test_every_declared_exception_is_still_needed() -> None:
    for importer, imported in _layers.ALLOWED_UPWARD:
        assert imported in imports_of(importer), f"{importer} -> {imported} is declared but no longer imported"


@pytest.mark.parametrize(("importer", "imported", "ok"), [
    ("maskrender.geometry.build", "maskrender.parse.assumptions", False),   # geometry below parse
    ("maskrender.model", "maskrender.coverage", False),                      # the model draws nothing
    ("maskrender.image", "maskrender.overlay", False),
    ("maskrender.overlay", "maskrender.draw.raster", True),
    ("maskrender.cli", "maskrender", True),
    ("maskrender.model", "maskrender.notebook", True),                        # the one declared exception
])
def test_the_rule_itself(importer: str, imported: str, ok: bool) -> None:
    assert _layers.allowed(importer, imported) is ok


def _import_alone(module: str) -> tuple[str, int, str]:
    run = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    return module, run.returncode, run.stderr.strip().splitlines()[-1:][0] if run.stderr.strip() else ""


@pytest.mark.slow
def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    wanted = [m for m in MODULES if not m.endswith("__main__")]
    with ThreadPoolExecutor(4) as pool:
        failed = [(m, err) for m, rc, err in pool.map(_import_alone, wanted) if rc != 0]
    assert failed == []


def test_architecture_page_shows_the_enforced_order() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert _layers.markdown() in page, "regenerate the table with: python -m maskrender._layers"


_IMPORT = re.compile(r"^\s*(?:from\s+(maskrender(?:\.\w+)*)\s+import\s+\(?([\w ,]+)|import\s+(maskrender(?:\.\w+)*))",
                     re.M)


def _doc_blocks() -> list[tuple[str, str]]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    out = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for block in text.split("```python")[1:]:
            out.append((page.name, block.split("```", 1)[0]))
    return out


def test_documentation_imports_only_public_modules() -> None:
    """What the docs show a user is the API: no page imports an internal module."""
    found = []
    for page, block in _doc_blocks():
        for m in _IMPORT.finditer(block):
            module = m.group(1) or m.group(3)
            found.append((page, module))
            for name in (m.group(2) or "").replace(" ", "").split(","):   # a submodule imported by name
                if name and importlib.util.find_spec(f"{module}.{name}") is not None:
                    found.append((page, f"{module}.{name}"))
    assert found, "the docs show no import at all"
    internal = [(page, mod) for page, mod in found if mod not in _layers.PUBLIC]
    assert not internal, f"docs import internal modules: {internal}"


@pytest.mark.parametrize("name", sorted(_layers.PUBLIC))
def test_every_public_module_states_its_api(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported, f"{name} has no __all__"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it lacks: {missing}"
    objects = {n: getattr(module, n) for n in exported}
    undocumented = [n for n, o in objects.items() if (inspect.isroutine(o) or inspect.isclass(o)) and not o.__doc__]
    assert not undocumented, f"{name}: undocumented {undocumented}"
