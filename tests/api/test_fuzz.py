"""Bounded fuzzing: the table readers get random bytes and random cells, the service gets
random requests on every endpoint. A reader may refuse a file only with a DatasetError (a
message naming the file); the service may refuse a request, never answer 500."""

from __future__ import annotations

import atexit
import importlib.util
import io
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from tests.conftest import BUNDLED
from unggulan.api.deps import DatasetHolder
from unggulan.api.main import create_app
from unggulan.api.security import rate_limited
from unggulan.base.errors import DatasetError
from unggulan.base.settings import Settings
from unggulan.io.readers import read_table

KEY = "fuzz-kunci-0123456789abcdef"
BOUNDED = settings(max_examples=60, deadline=timedelta(seconds=5),
                   suppress_health_check=[HealthCheck.too_slow], derandomize=True)

# --- the table readers ---------------------------------------------------------------------


def _read(raw: bytes, suffix: str, **kw) -> None:
    """Read ``raw`` as a file named with ``suffix``: a frame of strings, or a DatasetError
    whose message names the file."""
    with tempfile.TemporaryDirectory(prefix="unggulan-fuzz-") as tmp:
        path = Path(tmp) / f"tabel{suffix}"
        path.write_bytes(raw)
        try:
            frame, fmt = read_table(path, **kw)
        except DatasetError as exc:
            assert str(path) in str(exc) and len(str(exc)) > len(str(path)) + 5
            return
        assert isinstance(frame, pd.DataFrame) and len(frame) > 0
        assert all(isinstance(v, str) for v in frame.to_numpy().ravel())
        assert frame.columns.is_unique


@BOUNDED
@given(raw=st.binary(max_size=3000),
       suffix=st.sampled_from([".csv", ".txt", ".tsv", ".xlsx", ".xls", ".xlsm"]))
@example(raw=b"\xef\xbb\xbf", suffix=".csv")  # a BOM alone
@example(raw=b"PK\x03\x04" + b"\0" * 60, suffix=".xlsx")  # a zip header, nothing after
def test_read_table_random_bytes(raw, suffix):
    _read(raw, suffix)


_CELL_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",))
_cell = st.one_of(st.text(alphabet=_CELL_CHARS, max_size=12),
                  st.sampled_from(["", " ", '"', '""', "1.234,5", "-", "NA", "\r", "\t",
                                   "kode_desa", "komoditas", "73.08.01.2001", "'0012"]))


@BOUNDED
@given(rows=st.lists(st.lists(_cell, max_size=7), max_size=25),
       sep=st.sampled_from([",", ";", "\t", "|", " "]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
       given_sep=st.sampled_from([None, ",", ";"]),
       decimal=st.sampled_from([None, ",", "."]))
def test_read_table_csv_like_text(rows, sep, encoding, given_sep, decimal):
    text = "\n".join(sep.join(r) for r in rows)
    _read(text.encode(encoding, errors="replace"), ".csv", sep=given_sep, decimal=decimal)


def _illegal_free(s: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", s)


_xlsx_cell = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=15).map(_illegal_free),
    st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["=1/0", "=A1+1", "#N/A", "Kode Desa", "Komoditas", "73.08.01.2001"]))


@BOUNDED
@given(cells=st.lists(st.lists(_xlsx_cell, max_size=6), max_size=20),
       sheet=st.sampled_from([None, "Sheet", "sentra", "tidak ada"]),
       title=st.text(max_size=31).map(_illegal_free),
       hint=st.sampled_from([None, {"kode"}, {"komoditas", "kode_desa"}]))
def test_read_table_random_spreadsheets(cells, sheet, title, hint):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "Sheet"
    for r in cells:
        ws.append(r)
    other = book.create_sheet("sentra")
    for r in cells[::-1]:
        other.append(r)
    if title.strip() and not set(title) & set("[]:*?/\\") and title not in ("Sheet", "sentra"):
        book.create_sheet(title)
    buf = io.BytesIO()
    book.save(buf)
    _read(buf.getvalue(), ".xlsx", sheet=sheet, header_hint=hint)


@BOUNDED
@given(flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                      min_size=1, max_size=8),
       cut=st.one_of(st.none(), st.floats(0.05, 1.0)))
def test_read_table_damaged_spreadsheets(flips, cut):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["kode_desa", "komoditas", "tenaga_kerja"])
    for i in range(30):
        ws.append([f"73.08.01.{2001 + i}", "kakao", i])
    buf = io.BytesIO()
    book.save(buf)
    raw = bytearray(buf.getvalue())
    for where, value in flips:
        raw[int(where * len(raw))] = value
    if cut is not None:
        raw = raw[: max(1, int(cut * len(raw)))]
    _read(bytes(raw), ".xlsx")


HAVE_STATISTICS = importlib.util.find_spec("unggulan.io.statistics") is not None


@pytest.mark.skipif(not HAVE_STATISTICS, reason="unggulan.io.statistics not present yet")
@BOUNDED
@given(rows=st.lists(st.lists(_cell, max_size=8), max_size=25),
       sep=st.sampled_from([",", ";", "\t"]), as_xlsx=st.booleans())
def test_read_statistics_random_tables(rows, sep, as_xlsx):
    from unggulan.io.statistics import read_statistics

    if as_xlsx:
        from openpyxl import Workbook

        book = Workbook()
        for r in rows:
            book.active.append([_illegal_free(c) for c in r])
        buf = io.BytesIO()
        book.save(buf)
        raw, suffix = buf.getvalue(), ".xlsx"
    else:
        raw, suffix = "\n".join(sep.join(r) for r in rows).encode("utf-8"), ".csv"
    with tempfile.TemporaryDirectory(prefix="unggulan-fuzz-") as tmp:
        path = Path(tmp) / f"statistik{suffix}"
        path.write_bytes(raw)
        try:
            read_statistics(path)
        except DatasetError as exc:
            assert str(exc).strip()


# --- every endpoint of the service ---------------------------------------------------------


def _keyed_app(folder: Path):
    """The service on a copy of the bundled data with a write key, without rate limits
    (fuzzing would only meet 429s), its state set as the lifespan would."""
    s = Settings(data=folder, write_api_key=KEY, rate_limit_per_minute=0)
    app = create_app(s)
    app.state.settings = s
    app.state.holder = DatasetHolder(folder)
    return app


def _copy_bundled(folder: Path) -> Path:
    for sub in ("boundaries", "sentra"):
        shutil.copytree(BUNDLED / sub, folder / sub)
    for extra in ("dataset.toml", "commodities.csv"):
        if (BUNDLED / extra).exists():
            shutil.copy2(BUNDLED / extra, folder / extra)
    return folder


def _writes_and_expensive(ctx) -> bool:
    """Operations that change state or are rate limited: tests/api/test_schema.py reaches
    them only without the key (403) and under the rate limit (429); here they run."""
    op = ctx.operation
    return op.method.upper() != "GET" or rate_limited(op.method.upper(), op.path,
                                                      Settings().rate_limit_paths)


# built at import, as schemathesis collects one test per operation from the schema
DATA = _copy_bundled(Path(tempfile.mkdtemp(prefix="unggulan-fuzz-data-")))
atexit.register(shutil.rmtree, DATA, True)  # also when no test of this file runs
schema = schemathesis.openapi.from_asgi("/openapi.json", _keyed_app(DATA)).include(
    _writes_and_expensive)


@pytest.fixture(scope="module", autouse=True)
def _remove_the_copy():
    yield
    shutil.rmtree(DATA, ignore_errors=True)


@pytest.fixture(scope="module")
def data_copy() -> Path:
    return DATA


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
def test_writes_and_expensive_endpoints_never_answer_500(case):
    # with the write key, so reload and applied uploads run rather than stop at 403
    case.call_and_validate(headers={"X-API-Key": KEY}, checks=[not_a_server_error])


def _routes(app):
    """Every (path, methods, in_schema) the app routes, through included routers."""
    for r in app.router.routes:
        if type(r).__name__ == "_IncludedRouter":
            for c in r.effective_candidates():
                yield c.path, frozenset(c.methods or ()), bool(c.include_in_schema)
        else:
            yield r.path, frozenset(getattr(r, "methods", None) or ()), bool(
                getattr(r, "include_in_schema", False))


#: routes outside the schema, fuzzed below by path
HIDDEN = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/ogc/", "/favicon.ico",
          "/static/vendor", "/static/peta"}


def test_every_route_is_fuzzed(data_copy):
    """Each route is in the OpenAPI schema (fuzzed by tests/api/test_schema.py, and its
    writes and expensive operations here with the key) or fuzzed by path below."""
    app = _keyed_app(data_copy)
    in_schema = set(app.openapi()["paths"])
    here = {op.path for op in (r.ok() for r in schema.get_all_operations())}
    assert {"/api/v1/reload", "/api/v1/sentra/preview", "/api/v1/export"} <= here
    for path, methods, shown in _routes(app):
        assert (shown and path in in_schema) or path in HIDDEN, \
            f"{path} is neither in the OpenAPI schema nor fuzzed as a hidden route"
        if methods - {"GET", "HEAD"} and shown:
            assert path in here, f"the write {path} is not fuzzed with the key"


@pytest.fixture(scope="module")
def keyed_client(data_copy):
    from fastapi.testclient import TestClient

    with TestClient(_keyed_app(data_copy), raise_server_exceptions=False) as c:
        yield c


PREFIXES = sorted(HIDDEN | {"/static/peta/", "/static/vendor/", "/ogc/collections/",
                            "/peta/wilayah/", "/peta/komoditas/", "/peta/data/",
                            "/api/v1/areas/", "/api/v1/commodities/"})


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
@given(prefix=st.sampled_from(PREFIXES),
       tail=st.text(max_size=40),
       query=st.dictionaries(st.sampled_from(["level", "lang", "weights", "top", "view", "f",
                                             "limit", "offset", "bbox", "code", "x"]),
                             st.text(max_size=20), max_size=4),
       method=st.sampled_from(["GET", "HEAD", "POST"]))
@example(prefix="/static/peta/", tail="../../settings.py", query={}, method="GET")
@example(prefix="/static/vendor/", tail="%2e%2e/%2e%2e/%2e%2e/pyproject.toml", query={},
         method="GET")
@example(prefix="/ogc/collections/", tail="desa/items", query={"bbox": "1,2,3"}, method="GET")
def test_hidden_routes_and_paths_never_answer_500(keyed_client, prefix, tail, query, method):
    url = prefix + quote(tail, safe="/%")
    r = keyed_client.request(method, url, params=query, headers={"X-API-Key": KEY})
    assert r.status_code < 500, (method, url, query, r.status_code, r.text[:300])
    assert r.headers["x-content-type-options"] == "nosniff"
