"""The examples in the Python API's docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "app", "app.core.dataset", "app.core.codes", "app.io.exports", "app.io.statistics",
    "app.io.units", "app.core.lq", "app.core.dlq", "app.core.shift_share", "app.core.klassen",
    "app.core.concentration", "app.core.activity", "app.core.commodities", "app.core.ahp",
    "app.core.mcda", "app.core.scenario", "app.core.stability", "app.core.provenance",
    "app.base.names", "app.core.run", "app.core.layers", "app.io.readers", "app.core.rasters",
    "app.core.sentra", "app.core.boundaries", "app.core.suitability", "app.base.records",
    "app.maps.tiles", "app.core.partitioned",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
