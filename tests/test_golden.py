"""Golden test (issue #31): every public output -- frames, exports, a few HTTP pages -- is the
same as the fingerprints in tests/golden/*.json, captured before the refactor.

The fingerprints and how to regenerate them deliberately are in scripts/golden.py
(``python scripts/golden.py --write``; a changed golden is explained in its commit).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("_golden", ROOT / "scripts" / "golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

#: the session's dataset fixture of each dataset (conftest.py), None: opened here
FIXTURES = {"demo": "demo", "bone": "bone", "malang_batu": None}
NEEDS = {"demo": None, "bone": "bone_dir", "malang_batu": "malang_dir"}


@pytest.fixture(scope="module")
def fresh_cache(tmp_path_factory):
    """A disk cache of this module's own: no result of other code is read back."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UNGGULAN_CACHE_DIR", str(tmp_path_factory.mktemp("golden-cache")))
        yield


@pytest.mark.parametrize("name", list(golden.DATASETS))
def test_public_outputs_match_golden(name, request, fresh_cache):
    assert set(FIXTURES) == set(golden.DATASETS)
    if NEEDS[name]:
        request.getfixturevalue(NEEDS[name])  # skips when ../shared/data is absent
    ds = request.getfixturevalue(FIXTURES[name]) if FIXTURES[name] else None
    expected = json.loads(golden.golden_path(name).read_text(encoding="utf-8"))
    actual = golden.compute(name, ds=ds)
    diffs = golden.compare(expected, actual)
    assert not diffs, (
        f"{name}: {len(diffs)} public outputs differ from tests/golden/{name}.json "
        "(if intended: python scripts/golden.py --write, and say why in the commit):\n  "
        + "\n  ".join(diffs))


def test_compare_names_the_changed_column():
    """A fingerprint tells a changed value, names its column, and tells float noise apart."""
    import pandas as pd

    canon = golden.Canon([("/somewhere/data", "{DATASET}")])
    a = pd.DataFrame({"code": ["1", "2"], "score": [0.5, 0.25], "path": ["/somewhere/data/x",
                                                                        None]})
    b = a.copy()
    b.loc[1, "code"] = "3"
    b.loc[0, "score"] = 0.5 + 1e-15
    fa, fb = golden.frame_fingerprint(a, canon), golden.frame_fingerprint(b, canon)
    diffs = golden.compare({"t": fa}, {"t": fb})
    assert len(diffs) == 2
    assert "column 'code'" in diffs[0] and "float noise" not in diffs[0]
    assert "column 'score'" in diffs[1] and "float noise only" in diffs[1]
    # the checkout's location is not part of the fingerprint
    c = a.copy()
    c.loc[0, "path"] = "/elsewhere/data/x"
    moved = golden.Canon([("/elsewhere/data", "{DATASET}")])
    assert golden.compare({"t": fa}, {"t": golden.frame_fingerprint(c, moved)}) == []
