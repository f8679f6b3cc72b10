"""One area's detail (#34): every area's attributes and explained suitability of a level are
made once per dataset; the answer is what explaining that one area's rows gives."""

from __future__ import annotations

import pytest

from unggulan.api.convert import clean, records
from unggulan.api.routes_areas import AREA_FIELDS


def _expected(ds, level: str, code: str) -> dict:
    """The detail without the candidates, made for this area alone (as before #34)."""
    from unggulan.api.models import Area, SuitabilityItem
    from unggulan.core.land.suitability import explain

    row = ds.areas(level).loc[code]
    attrs_all = ds.attributes(level)
    suit = ds.suitability(level, explain=False)
    suit = suit[(suit["code"] == code).to_numpy()].copy()
    suit["evidence_id"] = explain(suit, attrs_all, ds.requirements, "id").to_numpy()
    suit["evidence_en"] = explain(suit, attrs_all, ds.requirements, "en").to_numpy()
    suit = suit.astype({c: object for c in suit.columns if str(suit[c].dtype) == "category"})
    rows = records(suit.drop(columns=["code", "basis", "interventions", "factors_used"]))
    return {"area": Area(**{k: clean(row[k]) for k in AREA_FIELDS if k in row.index}
                         ).model_dump(mode="json"),
            "attributes": {k: clean(v) for k, v in attrs_all.loc[code].items()},
            "suitability": [SuitabilityItem(**r).model_dump(mode="json") for r in rows]}


@pytest.mark.parametrize("level", ["kecamatan", "desa"])
def test_an_area_detail_is_that_area_explained(client, demo, level):
    for code in list(demo.areas(level).index[:2]):
        body = client.get(f"/api/v1/areas/{code}", params={"level": level}).json()
        want = _expected(demo, level, code)
        for k, v in want.items():
            assert body[k] == v, (code, k)
        assert [c["rank"] for c in body["candidates"]] == [1, 2, 3]


def test_the_details_are_made_once_per_dataset(client, demo, monkeypatch):
    from unggulan.core.land import suitability

    codes = list(demo.areas("desa").index)
    first = client.get(f"/api/v1/areas/{codes[0]}", params={"level": "desa"})

    def refuse(*args, **kwargs):
        raise AssertionError("explained again")

    monkeypatch.setattr(suitability, "explain", refuse)
    for code in (codes[0], codes[-1]):  # another area of the level: prepared as well
        r = client.get(f"/api/v1/areas/{code}", params={"level": "desa"})
        assert r.status_code == 200
    assert client.get(f"/api/v1/areas/{codes[0]}", params={"level": "desa"}).content == \
        first.content
    assert client.get("/api/v1/areas/99.99.99", params={"level": "desa"}).status_code == 404
