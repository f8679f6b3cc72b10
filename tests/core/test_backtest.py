"""The backtest (unggulan.core.ranking.backtest) on synthetic series whose answer is known by hand,
and the command on the bundled demo data."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from unggulan.base.errors import InvalidWeights, UnggulanError
from unggulan.core.ranking.backtest import backtest, statistics_weights

ROOT = Path(__file__).resolve().parents[2]


def series(values: dict[tuple[str, str], float | list[float]], years: list[int],
           measure: str = "production", unit: str = "ton") -> pd.DataFrame:
    """Long statistics in ``Dataset.statistics()``'s shape: ``values[(area, commodity)]`` is
    a constant or one value per year."""
    rows = []
    for (code, comm), v in values.items():
        per_year = v if isinstance(v, list) else [v] * len(years)
        for y, x in zip(years, per_year, strict=True):
            rows.append({"code": code, "name": code, "level": "kecamatan", "commodity": comm,
                         "commodity_name": comm, "commodity_match": "exact",
                         "measure": measure, "unit": unit, "year": y, "value": x,
                         "ratio": False, "table": f"{measure}.csv", "source": "test"})
    return pd.DataFrame(rows)


def rates(res) -> dict[str, tuple]:
    t = res.table.set_index("method")
    return {m: (t.loc[m, "hits_slq"], t.loc[m, "judged_slq"], t.loc[m, "hits_top5"],
                t.loc[m, "judged_top5"]) for m in ("tool", "last_slq", "persistence")}


YEARS = list(range(2018, 2024))
SPECIALTY = {"A": "c1", "B": "c1", "C": "c2", "D": "c2", "E": "c3", "F": "c3"}


def stable(specialty=SPECIALTY) -> dict:
    """Six areas, each growing 100 of its specialty and 10 of the two others:
    SLQ (100/120) / (240/720) = 2.5 for the specialty, 0.25 for the others."""
    return {(a, c): (100.0 if specialty[a] == c else 10.0)
            for a in specialty for c in ("c1", "c2", "c3")}


def test_stable_specialisation_every_method_holds():
    res = backtest(series(stable(), YEARS), until=2020, top=1)
    assert res.kept_years == [2018, 2019, 2020] and res.horizon_years == [2021, 2022, 2023]
    for m, got in rates(res).items():
        assert got == (6, 6, 6, 6), m
    t = res.table.set_index("method")
    assert (t["areas"] == 6).all() and (t["marks"] == 6).all()
    assert t.loc["tool", "rate_mean"] == 1.0
    # chance: 1 of each area's 3 commodities has SLQ > 1
    assert math.isclose(t.loc["random", "rate_slq"], 1 / 3)
    marks = res.marks[res.marks["method"] == "tool"].set_index("code")["commodity"]
    assert marks.to_dict() == SPECIALTY


def test_big_area_persistence_marks_size_not_specialisation():
    """A grows 1000 of each commodity: the largest producer of all three, specialised only in
    kopi (SLQ 1000/3000 / 1000/5400 = 1.8; jagung 0.64). Persistence sees three first ranks
    and equal shares and takes the first id, jagung: SLQ <= 1 later. The tool and last
    year's SLQ take kopi. Six small areas (padi 100, jagung 300) are judged the same by all."""
    values = {("A", c): 1000.0 for c in ("padi", "jagung", "kopi")}
    for a in "BCDEFG":
        values[(a, "padi")], values[(a, "jagung")] = 100.0, 300.0
    res = backtest(series(values, YEARS), until=2021, top=1)
    got = rates(res)
    assert got["tool"] == got["last_slq"] == (7, 7, 7, 7)
    assert got["persistence"] == (6, 7, 7, 7)
    chosen = res.marks[res.marks["code"] == "A"].set_index("method")["commodity"]
    assert chosen.to_dict() == {"tool": "kopi", "last_slq": "kopi", "persistence": "jagung"}
    a = res.marks[(res.marks["code"] == "A") & (res.marks["method"] == "persistence")].iloc[0]
    assert a["last_rank"] == 1 and round(a["horizon_slq"], 3) == round(
        (1000 / 3000) / (2800 / 5400), 3)


def test_shift_after_the_cut_is_a_miss_for_everyone():
    """A stops growing c1 after 2020: every method marked c1 for A (its specialty then), so
    each gets 5 of 6 on both measures (SLQ 0; value 0 is no producer)."""
    values = stable()
    values[("A", "c1")] = [100.0, 100.0, 100.0, 0.0, 0.0, 0.0]
    res = backtest(series(values, YEARS), until=2020, top=1)
    for m, got in rates(res).items():
        assert got == (5, 6, 5, 6), m
    miss = res.marks[res.marks["code"] == "A"]
    assert set(miss["commodity"]) == {"c1"} and not miss["hit_slq"].any()


def test_shift_seen_before_the_cut_the_tool_lags():
    """A moves from c1 to c2 during the kept years (c1 100, 70, 10; c2 10, 40, 100) and stays
    there. Last year's SLQ and persistence (last year's rank) follow at once. The tool weighs
    the period's sums (SLQ 1.8 for c1, 1.07 for c2; c1 half of A's output) above the trend at
    its default weights, so it keeps c1 and misses. With the trend weighted (trend=1) the DLQ
    carries A to c2, but C and D, whose c1 (10 each) grows relative to the region's shrinking
    c1 (DLQ > 1, SLQ 0.3), now mark c1 and miss: the trend chases relative growth."""
    values = stable()
    values[("A", "c1")] = [100.0, 70.0, 10.0, 10.0, 10.0, 10.0]
    values[("A", "c2")] = [10.0, 40.0, 100.0, 100.0, 100.0, 100.0]
    res = backtest(series(values, YEARS), until=2020, top=1)
    chosen = res.marks[res.marks["code"] == "A"].set_index("method")["commodity"]
    assert chosen.to_dict() == {"tool": "c1", "last_slq": "c2", "persistence": "c2"}
    got = rates(res)
    assert got["last_slq"] == got["persistence"] == (6, 6, 6, 6)
    assert got["tool"] == (5, 6, 6, 6)  # c1 in A later: SLQ 0.4, yet 2nd of its producers
    tool_a = res.marks.query("code == 'A' and method == 'tool'").iloc[0]
    assert round(tool_a["kept_slq"], 6) == 1.8 and round(tool_a["horizon_slq"], 6) == 0.4
    trend = backtest(series(values, YEARS), until=2020, top=1, weights="trend=1")
    assert trend.marks.query("code == 'A' and method == 'tool'")["commodity"].iat[0] == "c2"
    picks = trend.marks.query("method == 'tool'").set_index("code")["commodity"]
    assert picks[["A", "C", "D"]].tolist() == ["c2", "c1", "c1"]
    assert rates(trend)["tool"] == (4, 6, 6, 6)


def test_missing_years_and_values():
    """2020 not published: the cut keeps 2018-2019 and judges 2021-2023; a horizon with no
    year is refused. A's values missing ("...") after the cut: A's marks are not judged."""
    years = [2018, 2019, 2021, 2022, 2023]
    res = backtest(series(stable(), years), until=2020, top=1)
    assert res.kept_years == [2018, 2019] and res.horizon_years == [2021, 2022, 2023]
    assert rates(res)["tool"] == (6, 6, 6, 6)
    with pytest.raises(UnggulanError, match="no statistics in 2020"):
        backtest(series(stable(), years), until=2019, horizon=1)
    values = stable()
    values[("A", "c1")] = [100.0, 100.0, math.nan, math.nan, math.nan]
    res = backtest(series(values, years), until=2019, top=1)
    for m, got in rates(res).items():
        assert got == (5, 5, 5, 5), m
    assert (res.table["marks"][:3] == 6).all()


def test_same_number_of_marks_per_area():
    """B grows only c1: one mark from every method, whatever top is."""
    values = stable()
    values[("B", "c2")] = values[("B", "c3")] = 0.0
    res = backtest(series(values, YEARS), until=2020, top=3)
    per = res.marks.groupby(["method", "code"]).size().unstack("method")
    assert per.loc["B"].tolist() == [1, 1, 1]
    assert (per.drop(index="B") == 3).all().all()
    assert (res.table["marks"] == 16).all()


def test_horizon_years_and_one_measure_per_commodity():
    res = backtest(series(stable(), YEARS), until=2019, horizon=2, top=1)
    assert res.horizon_years == [2020, 2021] and res.table["horizon_years"].iat[0] == "2020-2021"
    # a commodity with production and harvested area keeps production in both halves
    both = pd.concat([series(stable(), YEARS),
                      series(stable(), YEARS, "harvested_area", "ha")], ignore_index=True)
    res = backtest(both, until=2020, top=1)
    assert set(res.marks["stat_measure"]) == {"production"}


@pytest.mark.parametrize(("stats", "until", "horizon", "message"), [
    (series(stable(), [2021]), 2021, None, "at least two years.*only for 2021"),
    (series(stable(), YEARS).iloc[:0], 2021, None, "at least two years.*no statistics"),
    # a year of nil and missing cells only is no year of the series
    (series({k: [v, 0.0] if k[0] != "A" else [v, math.nan] for k, v in stable().items()},
            [2021, 2022]), 2021, None, "at least two years.*only for 2021"),
    (series(stable(), YEARS), 2023, None, "until must be from 2018 to 2022"),
    (series(stable(), YEARS), 2017, None, "until must be from 2018 to 2022"),
    (series(stable(), YEARS), 2021, 3, "reaches past the series' last year 2023"),
])
def test_refused(stats, until, horizon, message):
    with pytest.raises(UnggulanError, match=message):
        backtest(stats, until=until, horizon=horizon)


def test_statistics_weights():
    w = statistics_weights("suitability=1,trend=0")
    assert w["suitability"] == 0 and w["trend"] == 0 and w["specialisation"] == 0.25
    with pytest.raises(InvalidWeights, match="statistics only"):
        statistics_weights("specialisation=0,scale=0,trend=0")
    with pytest.raises(InvalidWeights, match="share_weight"):
        statistics_weights(None, 1.5)
    # share_weight alone: the score is the area's share of the dataset's output, 100 of 240
    res = backtest(series(stable(), YEARS), until=2020, top=1,
                   weights="specialisation=0,scale=0,trend=0", share_weight=1)
    tool = res.marks.query("method == 'tool'")
    assert tool.set_index("code")["commodity"].to_dict() == SPECIALTY
    assert tool["score"].round(4).eq(round(100 * 100 / 240, 4)).all()
    assert res.table["share_weight"].iat[0] == 1.0 and res.weights["uniqueness"] == 1.0


def test_cli_on_demo(tmp_path):
    from typer.testing import CliRunner

    from unggulan.cli import cli

    runner = CliRunner()
    out = tmp_path / "backtest.csv"
    result = runner.invoke(cli, ["backtest", "--data", str(ROOT / "data"), "--until", "2021",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Uji mundur / backtest" in result.output and "2022-2024" in result.output
    table = pd.read_csv(out)
    assert table["method"].tolist() == ["tool", "last_slq", "persistence", "random"]
    assert (table["marks"] == 15).all() and table["rate_mean"].between(0, 1).all()
    result = runner.invoke(cli, ["backtest", "--data", str(ROOT / "data"), "--until", "2021",
                                 "--json"])
    assert result.exit_code == 0 and '"horizon_years"' in result.output


def test_cli_single_year_refused(tmp_path):
    """The demo's statistics cut to one year: refused with the reason, exit != 0."""
    from typer.testing import CliRunner

    from unggulan.cli import cli

    runner = CliRunner()
    one = tmp_path / "one_year"
    shutil.copytree(ROOT / "data", one, ignore=shutil.ignore_patterns("statistik"))
    (one / "statistik").mkdir()
    src = next((ROOT / "data" / "statistik").glob("*.csv"))
    lines = src.read_text(encoding="utf-8").splitlines()
    (one / "statistik" / "produksi 2019.csv").write_text(
        "\n".join([lines[0]] + [ln for ln in lines[1:] if ln.rstrip().endswith("2019")]) + "\n",
        encoding="utf-8")
    result = runner.invoke(cli, ["backtest", "--data", str(one), "--until", "2019"])
    assert result.exit_code != 0
    assert "at least two years" in result.output and "only for 2019" in result.output
