"""The examples in the Python API's docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "unggulan",
    "unggulan.core.dataset",
    "unggulan.core.inputs.codes",
    "unggulan.io.exports",
    "unggulan.io.statistics",
    "unggulan.io.units",
    "unggulan.core.activity.lq",
    "unggulan.core.activity.dlq",
    "unggulan.core.activity.shift_share",
    "unggulan.core.activity.klassen",
    "unggulan.core.activity.concentration",
    "unggulan.core.activity.evidence",
    "unggulan.core.inputs.commodities",
    "unggulan.core.ranking.ahp",
    "unggulan.core.ranking.mcda",
    "unggulan.core.scenario",
    "unggulan.core.ranking.stability",
    "unggulan.core.provenance",
    "unggulan.base.names",
    "unggulan.core.ranking.run",
    "unggulan.core.outputs.layers",
    "unggulan.core.outputs.colours",
    "unggulan.core.outputs.readiness",
    "unggulan.io.readers",
    "unggulan.core.inputs.rasters",
    "unggulan.core.inputs.sentra",
    "unggulan.core.inputs.boundaries",
    "unggulan.core.land.suitability",
    "unggulan.base.records",
    "unggulan.maps.tiles",
    "unggulan.core.partitioned",
    "unggulan.core.activity.analysis",
    "unggulan.core.ranking.backtest",
    "unggulan.core.ranking.candidates",
    "unggulan.core.ranking.scoring",
    "unggulan.base.paths",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
