"""Properties of the planning methods on random tables (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from unggulan.core.activity.concentration import localisation_index, specialisation_index
from unggulan.core.activity.dlq import dynamic_lq, quadrants
from unggulan.core.activity.klassen import klassen
from unggulan.core.activity.lq import static_lq
from unggulan.core.activity.shift_share import shift_share

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
YEARS0 = 2018


@st.composite
def tables(draw, *, holes: bool = False, min_years: int = 1):
    """A long table: up to 4 areas x 4 commodities x 4 years of whole numbers (many zeros);
    with ``holes``, some values missing (NaN) and some rows or area-years dropped."""
    J = draw(st.integers(1, 4))
    C = draw(st.integers(1, 4))
    T = draw(st.integers(min_years, 4))
    cell = st.one_of(st.just(0), st.integers(0, 100_000))
    values = iter(draw(st.lists(cell, min_size=J * C * T, max_size=J * C * T)))
    rows = [{"code": f"A{j}", "commodity": f"k{i}", "year": YEARS0 + t,
             "value": float(next(values))}
            for j in range(J) for i in range(C) for t in range(T)]
    d = pd.DataFrame(rows)
    if holes:
        n = len(d)
        drop = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        nan = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        keep = ~(np.array(drop) & (np.arange(n) % 3 == 0))
        d.loc[np.array(nan) & (np.arange(n) % 5 == 0), "value"] = np.nan
        d = d[keep]
        if d.empty:
            d = pd.DataFrame(rows[:1])
    return d


def _no_inf(frame: pd.DataFrame) -> None:
    num = frame.select_dtypes("number")
    assert not np.isinf(num.to_numpy(dtype=float)).any()


@SETTINGS
@given(tables())
def test_shares_sum_to_one(data):
    out = static_lq(data, by_year=True)
    for (_, _), g in out.groupby(["year", "commodity"]):
        E_i = g["E_i"].iloc[0]
        if E_i > 0:     # the areas' shares of the commodity
            assert (g["e_ij"] / E_i).sum() == pytest.approx(1.0, rel=1e-12)
    for (_, _), g in out.groupby(["year", "code"]):
        if g["e_j"].iloc[0] > 0:    # the commodities' shares of the area's output
            assert g["share_area"].sum() == pytest.approx(1.0, rel=1e-12)
    for _, g in out.groupby("year"):
        ref = g.drop_duplicates("commodity")["share_reference"]
        if ref.notna().all():
            assert ref.sum() == pytest.approx(1.0, rel=1e-12)


@SETTINGS
@given(tables())
def test_slq_above_one_exactly_where_the_area_share_is_larger(data):
    out = static_lq(data, by_year=True)
    for r in out.itertuples():
        e_ij, e_j, E_i, E = (int(r.e_ij), int(r.e_j), int(r.E_i), int(r.E))
        if e_j == 0 or E_i == 0:
            assert np.isnan(r.slq) and isinstance(r.reason, str)
            continue
        area, ref = Fraction(e_ij, e_j), Fraction(E_i, E)
        assert (r.slq > 1) == (area > ref)
        assert (r.slq == 1) == (area == ref)
        assert r.slq == pytest.approx(float(area / ref), rel=1e-12)


@SETTINGS
@given(st.integers(1, 4), st.integers(1, 4),
       st.lists(st.integers(1, 10_000), min_size=16, max_size=16),
       st.lists(st.floats(-0.5, 1.0), min_size=1, max_size=4),
       st.sampled_from(["mean", "cagr"]))
def test_dlq_is_one_when_everything_grows_alike(J, C, base, rates, growth):
    # every value is base * prod(1 + rate of each year): the same growth everywhere
    rows = []
    for j in range(J):
        for i in range(C):
            level = float(base[j * C + i])
            for t in range(len(rates) + 1):
                if t:
                    level *= 1 + rates[t - 1]
                rows.append({"code": f"A{j}", "commodity": f"k{i}", "year": YEARS0 + t,
                             "value": level})
    out = dynamic_lq(pd.DataFrame(rows), growth=growth)
    assert out["dlq"].to_numpy() == pytest.approx(1.0, rel=1e-9)
    assert out["reason"].isna().all()


@SETTINGS
@given(tables(min_years=2))
def test_cagr_dlq_is_the_ratio_of_last_and_first_lq(data):
    d = dynamic_lq(data, growth="cagr")
    lq = static_lq(data, by_year=True).set_index(["code", "commodity", "year"])["slq"]
    last, first = data["year"].max(), data["year"].min()
    for r in d.itertuples():
        if np.isfinite(r.dlq):
            ratio = lq[(r.code, r.commodity, last)] / lq[(r.code, r.commodity, first)]
            assert r.dlq == pytest.approx(ratio, rel=1e-9)


@SETTINGS
@given(tables(holes=True, min_years=2), st.sampled_from(["classic", "esteban"]))
def test_shift_share_components_add_up_to_the_change(data, method):
    assume(data["year"].nunique() >= 2)     # holes may leave a single year
    out = shift_share(data, method=method)
    _no_inf(out)
    ok = out["total"].notna()
    change = (out["e_end"] - out["e_start"])[ok].to_numpy()
    scale = np.maximum(1.0, np.abs(out.loc[ok, ["e_start", "e_end"]].to_numpy()).max(axis=1)
                       if ok.any() else 1.0)
    parts = out.loc[ok, ["national_share", "proportional", "differential"]].sum(axis=1)
    assert np.all(np.abs(parts.to_numpy() - change) <= 1e-9 * scale)
    assert np.all(np.abs(out.loc[ok, "total"].to_numpy() - change) <= 1e-9 * scale)
    if method == "esteban":
        em = out["allocation"].notna()
        split = out.loc[em, ["differential_homothetic", "allocation"]].sum(axis=1)
        big = np.maximum(1.0, np.abs(out.loc[em, ["e_start", "e_end", "homothetic"]]
                                     .to_numpy()).max(axis=1) * 10) if em.any() else 1.0
        assert np.all(np.abs(split.to_numpy() - out.loc[em, "differential"].to_numpy())
                      <= 1e-9 * big)
    assert out.loc[~ok, "reason"].notna().all()


@settings(SETTINGS, max_examples=30)
@given(tables(holes=True), st.booleans(), st.sampled_from(["mean", "cagr"]))
def test_never_inf_and_every_nan_has_a_reason(data, with_reference, growth):
    reference = None
    if with_reference:
        ref = data.groupby(["commodity", "year"], as_index=False)["value"].sum()
        ref = ref.iloc[::2]            # a reference with holes: commodities and years missing
        reference = ref if not ref.empty else None
    years = sorted(data["year"].unique())
    s = static_lq(data, reference)
    y = static_lq(data, reference, by_year=True)
    for f, col in ((s, "slq"), (y, "slq")):
        _no_inf(f)
        assert f.loc[f[col].isna(), "reason"].notna().all()
    spec = specialisation_index(data, reference)
    loc = localisation_index(data)
    for f, col in ((spec, "krugman"), (loc, "hoover")):
        _no_inf(f)
        assert f.loc[f[col].isna(), "reason"].notna().all()
    if len(years) >= 2:
        d = dynamic_lq(data, reference, growth=growth)
        k = klassen(data, reference, growth=growth)
        ss = shift_share(data, reference, method="esteban")
        q = quadrants(s, d)
        for f, col in ((d, "dlq"), (k, "klassen"), (ss, "total"), (q, "quadrant")):
            _no_inf(f)
            assert f.loc[f[col].isna(), "reason"].notna().all()
