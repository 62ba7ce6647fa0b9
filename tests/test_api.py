"""The public API: a sorted ``__all__`` that is exactly what the package exports (httpx-style),
docstrings everywhere, examples on functions, and an exception tree that tells the truth."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from typing import Any

import pytest

import maskrender
import maskrender.errors
import maskrender.limits

MY_MODULES = ["maskrender.defaults", "maskrender.errors", "maskrender.geometry", "maskrender.info",
              "maskrender.limits", "maskrender.model", "maskrender.parse"]


def _exported() -> set[str]:
    """Every public name the package really hands out: resolve all lazy names, then look."""
    for name in maskrender.__all__:
        getattr(maskrender, name)
    names = set()
    for name, value in vars(maskrender).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        if getattr(value, "__module__", "").startswith("maskrender"):  # not typing helpers and the like
            names.add(name)
    return names | {"__version__"}


def test_all_is_sorted() -> None:
    assert maskrender.__all__ == sorted(maskrender.__all__)


def test_all_is_exactly_what_is_exported() -> None:
    assert set(maskrender.__all__) == _exported()
    assert len(maskrender.__all__) == len(set(maskrender.__all__))


@pytest.mark.parametrize(("name", "module"), [
    ("render_file", "maskrender.overlay"), ("report_file", "maskrender.report"), ("build_report", "maskrender.report"),
    ("export_file", "maskrender.export"),
])
def test_the_writers_are_at_the_top_level(name: str, module: str) -> None:
    """The three writers (and the report builder) are ``maskrender.X``, the same objects as in their modules,
    and ``import maskrender`` alone does not import them (they load on first use)."""
    assert name in maskrender.__all__
    assert getattr(maskrender, name) is getattr(importlib.import_module(module), name)
    loaded = f"print({module!r} in sys.modules)"
    code = f"import sys, maskrender; {loaded}; maskrender.{name}; {loaded}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_render_stays_the_function_whatever_is_imported_first() -> None:
    # a fresh interpreter: in this one, earlier tests decide the import order
    code = ("import maskrender, maskrender.overlay, maskrender.draw.layers, maskrender.draw.svg; "
            "print(type(maskrender.render).__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "function"


def test_every_name_in_all_resolves_and_is_listed_by_dir() -> None:
    for name in maskrender.__all__:
        assert getattr(maskrender, name) is not None
    assert set(maskrender.__all__) <= set(dir(maskrender))
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        maskrender.nope  # noqa: B018


def _isort_style(name: str) -> tuple[int, str]:
    """ruff's order for ``__all__`` (RUF022): CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


@pytest.mark.parametrize("module", MY_MODULES)
def test_module_all_is_sorted_and_defined(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__all__ == sorted(mod.__all__, key=_isort_style)
    for name in mod.__all__:
        assert hasattr(mod, name), name


def _members(cls: type) -> list[tuple[str, Any]]:
    """Public methods and properties a class defines itself."""
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, property):
            out.append((name, value.fget))
        elif isinstance(value, (staticmethod, classmethod)):
            out.append((name, value.__func__))
        elif hasattr(value, "func") and hasattr(value, "attrname"):  # functools.cached_property
            out.append((name, value.func))
        elif inspect.isfunction(value):
            out.append((name, value))
    return out


@pytest.mark.parametrize("name", [n for n in maskrender.__all__ if n != "__version__"])
def test_every_public_function_and_class_has_a_docstring(name: str) -> None:
    obj = getattr(maskrender, name)
    assert not inspect.ismodule(obj), f"maskrender.{name} is shadowed by a module"
    assert (obj.__doc__ or "").strip(), name
    if inspect.isclass(obj):
        for member, func in _members(obj):
            assert (func.__doc__ or "").strip(), f"{name}.{member}"


@pytest.mark.parametrize("module", MY_MODULES)
def test_public_functions_have_examples(module: str) -> None:
    """Examples run as doctests (pytest --doctest-modules), so they cannot go stale."""
    mod = importlib.import_module(module)
    assert ">>>" in (mod.__doc__ or ""), module
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.isfunction(obj):
            assert ">>>" in (obj.__doc__ or ""), f"{module}.{name}"


def _tree(doc: str, root: str) -> dict[str, str]:
    """Parse the box-drawing tree under ``root`` in a docstring into {class: parent}."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    started = False
    for line in doc.splitlines():
        m = re.match(r"^([│ ]*(?:[├└]── )?)([A-Z]\w+)", line)
        if not m:
            if started and not line.strip():
                break
            continue
        name, column = m.group(2), len(m.group(1))
        if name == root:
            started, stack = True, [(column, name)]
            continue
        if not started:
            continue
        while stack and stack[-1][0] >= column:
            stack.pop()
        parents[name] = stack[-1][1]
        stack.append((column, name))
    return parents


@pytest.mark.parametrize("root", ["MaskRenderError", "MaskRenderWarning"])
def test_errors_docstring_tree_matches_the_classes(root: str) -> None:
    import maskrender.batch

    tree = _tree(maskrender.errors.__doc__ or "", root)
    known = {n: getattr(maskrender.errors, n) for n in maskrender.errors.__all__}
    assert maskrender.batch.BatchError is known["BatchError"] is maskrender.BatchError
    base = known[root]
    # every class of the family is drawn, under its real parent
    family = {n for n, c in known.items() if issubclass(c, base) and c is not base}
    assert set(tree) == family
    builtin = {"ValueError": ValueError}
    for name, parent in tree.items():
        # "InputError (ValueError)": a second, built-in base is drawn in brackets
        extra = re.search(rf"\b{name} \((\w+)\)", maskrender.errors.__doc__ or "")
        bases = (known[parent], builtin[extra.group(1)]) if extra else (known[parent],)
        assert known[name].__bases__ == bases, name


def test_every_error_and_warning_is_exported_at_top_level() -> None:
    for name in maskrender.errors.__all__:
        assert getattr(maskrender, name) is getattr(maskrender.errors, name)


def test_limits_doc_lists_every_limit() -> None:
    doc = maskrender.limits.__doc__ or ""
    table = [line.split()[0] for line in doc.splitlines() if re.match(r"^MAX_\w+\s+\S", line)]
    assert sorted(table) == maskrender.limits.__all__
    for name in maskrender.limits.__all__:
        value = getattr(maskrender.limits, name)
        assert isinstance(value, (int, float)), name
