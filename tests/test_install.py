"""What `pip install .` installs: every third-party module the tool imports comes with its default dependencies.

`pip install .` once gave a tool whose audit and HTML reading failed on every page (lxml, trafilatura were in
an extra). Imports guarded by ``try: ... except ImportError`` are accelerators with a fallback and exempt;
engines that only an extra installs go through :func:`compliance.errors.optional_module`.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

import pytest
from conftest import ROOT

from compliance.errors import ConfigError, optional_module

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _dist_name(requirement: str) -> str:
    """``"lxml>=5.2; marker"`` -> ``"lxml"``, normalized as pip compares names."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    assert name, requirement
    return name.group().lower().replace("_", "-").replace(".", "-")


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether an import sits in a ``try`` that catches ImportError (a fallback, not a requirement)."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                names = ast.unparse(handler.type) if handler.type is not None else "BaseException"
                if "ImportError" in names or "ModuleNotFoundError" in names:
                    return True
    return False


def third_party_imports(package: str = "compliance") -> dict[str, set[str]]:
    """Top-level module -> files importing it, for every unguarded import in the package (function-level too)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == package or _guarded(node, parents):
                    continue
                found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


# optional engines: a package of the tool that only its extra's dependencies may serve (reached only after
# compliance.errors.optional_module said the extra is there, or named it in one line)
ENGINE_PACKAGES = {"compliance/spark/": "spark"}


def _allowed(files: set[str]) -> set[str]:
    """The distributions that may provide an import made in ``files``: the defaults, plus an engine's extra
    when every file importing it belongs to that engine's package."""
    default = {_dist_name(r) for r in PYPROJECT["project"]["dependencies"]}
    for prefix, extra in ENGINE_PACKAGES.items():
        if all(f.startswith(prefix) for f in files):
            return default | {_dist_name(r) for r in PYPROJECT["project"]["optional-dependencies"][extra]}
    return default


def test_every_import_is_a_default_dependency():
    """The HTML/WARC readers' lxml, trafilatura, fastwarc, resiliparse, protego ship with `pip install .`;
    pyspark (and what the Spark engine reads parts with) only in compliance/spark/, from the [spark] extra."""
    provided = packages_distributions()
    missing = {}
    for module, files in third_party_imports().items():
        dists = {d.lower().replace("_", "-").replace(".", "-") for d in provided.get(module, [module])}
        if not dists & _allowed(files):
            missing[module] = sorted(files)
    assert not missing, f"imported but not in [project] dependencies: {missing}"


def test_reader_engines_are_default_dependencies():
    """What the readers import (and trafilatura's lxml.html.clean) is installed without any extra."""
    default = {_dist_name(r) for r in PYPROJECT["project"]["dependencies"]}
    readers = {m for m, files in third_party_imports().items() if any("readers" in f for f in files)}
    assert {"lxml", "trafilatura", "fastwarc", "resiliparse"} <= readers
    assert {"lxml", "trafilatura", "fastwarc", "resiliparse", "protego", "lxml-html-clean"} <= default
    lxml = next(r for r in PYPROJECT["project"]["dependencies"] if _dist_name(r) == "lxml")
    assert ">=" in lxml  # a lower bound: lxml.html.clean moved out in 5.2


def test_archive_extra_is_kept_for_compatibility():
    """`pip install '.[archive]'` must still resolve; it adds nothing now."""
    assert PYPROJECT["project"]["optional-dependencies"]["archive"] == []


def test_missing_optional_engine_is_one_line_naming_the_extra():
    with pytest.raises(ConfigError) as err:
        optional_module("compliance_no_such_engine", "spark", "--engine spark")
    message = str(err.value)
    assert "\n" not in message
    assert "pip install 'compliance[spark]'" in message and "--engine spark" in message
