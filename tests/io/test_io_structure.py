"""The shape of unggulan.io (#31): no private name imported across modules, and the
statistics package answering under its old module name."""

from __future__ import annotations

import ast
from pathlib import Path

import unggulan.io

IO = Path(unggulan.io.__file__).parent


def _private_imports(path: Path, root: Path = IO) -> list[str]:
    """``from <module> import _name`` (at any depth of the file, inside functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.relative_to(root)}:{node.lineno} "
                                 f"from {node.module} import {alias.name}")
    return found


def test_no_module_of_io_imports_a_private_name_of_another():
    files = sorted(IO.rglob("*.py"))
    assert len(files) > 15          # the walk found the package, statistics/ included
    offenders = [hit for f in files for hit in _private_imports(f)]
    assert offenders == []


def test_the_scan_finds_a_private_import_inside_a_function(tmp_path):
    # the check above would pass vacuously if the scan missed imports inside functions
    fake = tmp_path / "fake.py"
    fake.write_text("def f():\n    from unggulan.io.exports import _atomic\n    return _atomic\n")
    assert _private_imports(fake, tmp_path) == [
        "fake.py:2 from unggulan.io.exports import _atomic"]


def test_statistics_package_keeps_its_interface():
    import unggulan.io.statistics as stats

    for name in ("RECORD_COLUMNS", "StatTable", "StatisticsOptions", "guess_decimal",
                 "parse_value", "read_statistics", "year_in_text", "UNKNOWN_UNIT",
                 "TOTAL_TOLERANCE_ABS", "TOTAL_TOLERANCE_REL", "LEVELS"):
        assert name in stats.__all__ and hasattr(stats, name), name
    # the modules' shared helpers are not part of the interface
    assert not hasattr(stats, "plan_table") and not hasattr(stats, "build_tables")
    # the PDF reader builds the same StatTable class
    from unggulan.io.pdf_tables import StatTable as PdfStatTable

    assert PdfStatTable is stats.StatTable


def test_statistics_modules_import_down_the_flow_only():
    """cells <- words <- grids <- tables <- areas <- plan <- context <- totals <- build <-
    reader (model under all): a module imports none after it."""
    order = ["model", "cells", "words", "grids", "tables", "areas", "plan", "context",
             "totals", "build", "reader"]
    for k, name in enumerate(order):
        tree = ast.parse((IO / "statistics" / f"{name}.py").read_text(encoding="utf-8"))
        imported = {node.module.rsplit(".", 1)[-1] for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module
                    and node.module.startswith("unggulan.io.statistics.")}
        later = imported & set(order[k + 1:])
        # areas names Plan in a type annotation only (under TYPE_CHECKING)
        if name == "areas":
            later -= {"plan"}
        assert not later, (name, later)
