"""The examples in the Python API's docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "unggulan",
    "unggulan.core.dataset",
    "unggulan.core.codes",
    "unggulan.io.exports",
    "unggulan.io.statistics",
    "unggulan.io.units",
    "unggulan.core.lq",
    "unggulan.core.dlq",
    "unggulan.core.shift_share",
    "unggulan.core.klassen",
    "unggulan.core.concentration",
    "unggulan.core.activity",
    "unggulan.core.commodities",
    "unggulan.core.ahp",
    "unggulan.core.mcda",
    "unggulan.core.scenario",
    "unggulan.core.stability",
    "unggulan.core.provenance",
    "unggulan.base.names",
    "unggulan.core.run",
    "unggulan.core.layers",
    "unggulan.io.readers",
    "unggulan.core.rasters",
    "unggulan.core.sentra",
    "unggulan.core.boundaries",
    "unggulan.core.suitability",
    "unggulan.base.records",
    "unggulan.maps.tiles",
    "unggulan.core.partitioned",
    "unggulan.core.analysis",
    "unggulan.core.backtest",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
