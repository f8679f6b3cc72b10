"""Production statistics as read from the dataset's BPS and dinas tables."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from unggulan.api.convert import records
from unggulan.api.deps import DatasetDep
from unggulan.api.headers import run_headers
from unggulan.api.paging import Page, paged
from unggulan.core.ranking.run import default_scenario

router = APIRouter(tags=["statistics"])


class StatisticsPage(Page[dict[str, Any]]):
    pass


@router.get("/statistics", response_model=StatisticsPage)
def list_statistics(
    ds: DatasetDep,
    area: Annotated[str | None, Query(description="area code; a desa also gets its "
                                      "kecamatan's rows (level says whose)")] = None,
    commodity: Annotated[str | None, Query(examples=["kakao"])] = None,
    measure: Annotated[str | None, Query(examples=["production"])] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    level: Annotated[str | None, Query(description="desa, kecamatan or kabupaten")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    """Values by area, commodity, measure and year, each with its source cell
    (``file#sheet!row:column``). ``value`` null is missing; 0 is nil ("-")."""
    st = ds.statistics(area=area, commodity=commodity, measure=measure, year=year,
                       level=level, with_parents=area is not None)
    return StatisticsPage(**paged(st, limit, offset))


class AnalysisPage(BaseModel):
    run_hash: str | None = None
    method: str
    measure: str
    level: str | None
    period: str | None
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


@router.get("/analysis/{method}", response_model=AnalysisPage)
def analysis(
    ds: DatasetDep, response: Response,
    method: Literal["slq", "dlq", "shift-share", "klassen", "specialisation", "localisation"],
    measure: Annotated[str, Query(examples=["production"])] = "production",
    period: Annotated[str | None, Query(examples=["2018-2022"])] = None,
    level: Annotated[str | None, Query(description="desa or kecamatan (default: the "
                                       "statistics' level)")] = None,
    reference: Literal["dataset", "province"] = "dataset",
    variant: Literal["classic", "esteban"] = "classic",
    growth: Literal["mean", "cagr"] = "mean",
    convention: Annotated[Literal["default", "angelina"], Query(
        description="dlq: names of the mixed quadrants (angelina: SLQ<=1, DLQ>1 is "
                    "andalan)")] = "default",
    commodity: str | None = None,
    area: Annotated[str | None, Query(description="area code")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    """SLQ, DLQ with the SLQ x DLQ quadrant, shift-share (classic or Esteban-Marquillas),
    Klassen typology, specialisation or localisation index, on one measure of the
    statistics (or sentra workers/units)."""
    opts = {"variant": variant} if method == "shift-share" else (
        {"growth": growth} if method in ("dlq", "klassen") else {})
    if method == "dlq":
        opts["convention"] = convention
    res = ds.analysis(method, measure=measure, period=period, level=level,
                      reference=reference, **opts)
    if commodity is not None and "commodity" in res:
        res = res[res["commodity"] == commodity]
    if area is not None and "code" in res:
        res = res[res["code"] == area]

    info = ds.run_info(default_scenario(measure=measure, period=period))
    response.headers.update(run_headers(info))
    return AnalysisPage(run_hash=info.run_hash, method=method, measure=measure,
                        level=str(res["level"].iat[0]) if len(res) else level,
                        period=str(res["period"].iat[0]) if len(res) and
                        res["period"].iat[0] is not None else period,
                        **paged(res, limit, offset))


class BacktestResult(BaseModel):
    level: str
    kept_years: list[int]
    horizon_years: list[int]
    top: int
    top_producers: int
    reference: str
    weights: dict[str, float]
    methods: list[dict[str, Any]]
    marks: list[dict[str, Any]] | None = None


@router.get("/backtest", response_model=BacktestResult)
def backtest(
    ds: DatasetDep,
    until: Annotated[int, Query(ge=1900, le=2100, description="last year kept; later years "
                                "judge")],
    horizon: Annotated[int | None, Query(ge=1, le=200, description="years judged after "
                                         "until (default: all later years)")] = None,
    top: Annotated[int, Query(ge=1, le=50, description="marks per area")] = 3,
    level: Annotated[str | None, Query(description="desa or kecamatan (default: the "
                                       "statistics' level)")] = None,
    weights: Annotated[str | None, Query(examples=["specialisation=0.5,trend=0"])] = None,
    reference: Literal["kabupaten", "dataset", "province"] = "kabupaten",
    measure: str | None = None,
    share_weight: Annotated[float, Query(ge=0, le=1)] = 0.0,
    with_marks: Annotated[bool, Query(description="also every mark (method, area, "
                                      "commodity, hits)")] = False,
):
    """Backtest (uji mundur) of the statistics-only proposals: cut the series after
    ``until``, propose ``top`` per area, and the share of marks that hold over the horizon
    (SLQ > 1; among the commodity's top-5 producers) for the tool, last year's SLQ,
    persistence and a random choice. A series of one year is refused (422)."""
    res = ds.backtest(until, horizon=horizon, top=top, level=level, weights=weights,
                      reference=reference, measure=measure, share_weight=share_weight)
    body = res.to_dict()
    if with_marks:
        body["marks"] = records(res.marks)
    return BacktestResult(**body)
