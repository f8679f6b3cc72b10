"""The commodity view scores through the core (issue #31): an area's score on the commodity
page is its candidate score under the page's scenario; ``ds.map`` is bound from above the
core; the map modules keep their cache entries bounded through the Dataset's accessors."""

from __future__ import annotations

import doctest
import json

import unggulan.maps
from unggulan import Dataset
from unggulan.core.activity.dlq import QUADRANTS as CORE_QUADRANTS
from unggulan.core.ranking.run import default_scenario
from unggulan.maps.frame import PageOptions
from unggulan.maps.pages import commodity_map, level_geojson
from unggulan.maps.properties import QUADRANTS, commodity_props, commodity_scores
from unggulan.maps.tiles import SCENARIOS_KEPT, tile_source

#: a scenario other than the default in method and management level
TOPSIS_HIGH = default_scenario(None, method="topsis", management="tinggi")


def _most_proposed(cand) -> str:
    """The commodity that is a candidate in the most areas (ties: by id)."""
    counts = cand.groupby("commodity")["code"].nunique()
    return str(counts.sort_values(ascending=False, kind="stable").index[0])


def _check_equal_to_candidates(ds, level: str, sc) -> int:
    """Assert that the commodity view's scores are the candidate scores; returns how many
    areas were compared."""
    cand = ds.candidates(level, scenario=sc)
    cid = _most_proposed(cand)
    own = cand[cand["commodity"] == cid].set_index("code")["score"]
    view = commodity_scores(ds, level, cid, sc)["score"]
    assert len(own) > 0
    # every area where the commodity is a candidate: the same score, to the last bit
    assert view.loc[own.index].tolist() == own.tolist()
    # and the page's properties (one decimal) and the fetched GeoJSON say so too
    props, legend = commodity_props(ds, level, cid, "score", sc)
    shown = {p["code"]: p["s"] for p in props}
    assert all(shown[c] == round(float(s), 1) for c, s in own.items())
    assert legend and all(p["b"] >= 0 for p in props if p["code"] in own.index)
    fetched = json.loads(level_geojson(ds, level, commodity=cid, view="score", scenario=sc))
    assert {f["properties"]["code"]: f["properties"]["s"] for f in fetched["features"]} == shown
    return len(own)


def test_commodity_view_scores_are_candidate_scores_on_bone_topsis(bone):
    """Bone, TOPSIS and the high management level: not the weights alone."""
    sc = TOPSIS_HIGH
    n = _check_equal_to_candidates(bone, "kecamatan", sc)
    assert n >= 3
    # the method matters: the weighted sum gives other scores for these pairs
    ws = bone.scores("kecamatan", scenario=default_scenario(None, management="tinggi"))
    tp = bone.scores("kecamatan", scenario=sc)
    key = ["code", "commodity"]
    both = ws.merge(tp, on=key, suffixes=("_ws", "_tp"))
    assert (both["score_ws"] - both["score_tp"]).abs().max() > 1


def test_commodity_view_scores_are_candidate_scores_on_the_demo(demo):
    for level in ("desa", "kecamatan"):
        assert _check_equal_to_candidates(demo, level, TOPSIS_HIGH) > 0


def test_commodity_page_shows_the_scenario_scores(demo):
    sc = TOPSIS_HIGH
    cand = demo.candidates("kecamatan", scenario=sc)
    cid = _most_proposed(cand)
    m = commodity_map(demo, cid, "score", "kecamatan", PageOptions(scenario=sc))
    text = m.get_root().render()
    for code, s in cand[cand["commodity"] == cid].set_index("code")["score"].items():
        assert f'"code":"{code}"' in text
        assert f'"s":{round(float(s), 1)}' in text


def test_quadrants_are_the_cores():
    assert [(k, en) for k, en, _ in QUADRANTS] == list(CORE_QUADRANTS.values())
    assert QUADRANTS[1] == ("andalan", "mainstay", "SLQ>1, DLQ≤1")


def test_dataset_map_is_web_map_bound_above_the_core():
    import inspect

    import unggulan.core.dataset as core_dataset

    assert Dataset.map is unggulan.maps.web_map
    assert "unggulan.maps" not in inspect.getsource(core_dataset)
    result = doctest.testmod(unggulan.maps, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0


def test_tile_sources_kept_per_level_are_bounded(demo):
    keys = []
    for i in range(SCENARIOS_KEPT + 1):
        sc = default_scenario(f"market={0.05 + i / 100:.2f}")
        tile_source(demo, "kecamatan", sc)
        keys.append(("tiles", "kecamatan", sc.content_hash()))
    assert demo.peek(keys[0]) is None  # the oldest was let go
    assert all(demo.peek(k) is not None for k in keys[1:])
