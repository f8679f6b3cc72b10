"""GET /api/v1/backtest on the bundled demo data."""


def test_backtest_route(client):
    r = client.get("/api/v1/backtest", params={"until": 2021, "top": 2, "with_marks": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kept_years"] == [2019, 2020, 2021] and body["horizon_years"] == [2022, 2023,
                                                                                 2024]
    assert [m["method"] for m in body["methods"]] == ["tool", "last_slq", "persistence",
                                                      "random"]
    assert all(m["marks"] == len([k for k in body["marks"] if k["method"] == m["method"]])
               for m in body["methods"][:3])
    r = client.get("/api/v1/backtest", params={"until": 2024})
    assert r.status_code == 422 and r.json()["field"] == "until"
    assert "until must be from 2019 to 2023" in r.json()["detail"]
