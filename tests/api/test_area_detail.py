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


# ------------------------------------------------------------------ kept answers (#34)
def test_answers_asked_again_are_kept_bytes(client, demo, monkeypatch):
    """An area page, an area's detail and its candidates asked again on the same dataset are
    the kept bytes (made once, then looked up on the event loop); another question is made."""
    from unggulan.api import routes_areas

    code = str(demo.areas("desa").index[3])
    asks = [("/api/v1/areas", {"level": "desa", "limit": 7, "offset": 2}),
            ("/api/v1/areas", {"level": "kecamatan", "geometry": "true"}),
            (f"/api/v1/areas/{code}", {"level": "desa", "top": 2}),
            (f"/api/v1/areas/{code}/candidates", {"level": "desa",
                                                  "weights": "suitability=0.7"})]
    first = [client.get(path, params=params) for path, params in asks]
    assert [r.status_code for r in first] == [200] * len(asks)

    def refuse(*args, **kwargs):
        raise AssertionError("made again")

    for name in ("areas_answer", "area_detail_json", "_area_candidates_response"):
        monkeypatch.setattr(routes_areas, name, refuse)
    again = [client.get(path, params=params) for path, params in asks]
    assert [(r.content, r.headers["content-type"], r.headers.get("x-unggulan-run"))
            for r in again] == [(r.content, r.headers["content-type"],
                                 r.headers.get("x-unggulan-run")) for r in first]
    assert first[1].headers["content-type"] == "application/geo+json"
    assert first[3].headers["x-unggulan-run"]
    # not asked before: made (and here refused)
    r = client.get("/api/v1/areas", params={"level": "desa", "limit": 8, "offset": 2})
    assert r.status_code == 500


def test_kept_answers_belong_to_their_dataset(demo):
    """The stores live on the dataset (Dataset.cached): a reloaded dataset starts empty."""
    from unggulan.api import pool
    from unggulan.core.dataset import Dataset

    store = pool.kept(demo, "example", 4, max_bytes=100)
    assert pool.kept(demo, "example", 4) is store
    store.get("k", lambda: (b"body", {"x": "y"}))
    fresh = Dataset.open(demo.folder)
    assert pool.kept(fresh, "example", 4).peek("k") is None
    assert store.peek("k") == (b"body", {"x": "y"})


def test_a_page_answer_is_what_fastapi_made_of_the_model(demo):
    """The kept page is pydantic's JSON of the model, as FastAPI writes a response_model (its
    floats, e.g. 6.6e-8, differ from json.dumps' 6.6e-08)."""
    from unggulan.api.models import AreaPage
    from unggulan.api.routes_areas import areas_answer

    body, media = areas_answer(demo, "desa", None, None, None, 5, 0, False)
    assert media == "application/json"
    page = AreaPage.model_validate_json(body)
    assert body == page.model_dump_json().encode() and page.limit == 5 and len(page.items) == 5
