"""The printable brief: content, pages, determinism, the API endpoints and the CLI command.

One Bone kecamatan (the one with the most desa, so that the desa table runs over a page) is
printed to PDF once and read back with poppler (pdftotext, pdfinfo, pdftoppm); expectations
come from the dataset's own API (``ds.candidates``, ``ds.areas``), not from the brief.
"""

from __future__ import annotations

import datetime as dt
import doctest
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from unggulan.reports import BriefOptions, build_brief
from unggulan.reports.brief import fmt_date, html_to_pdf, resolve_area

DATE = dt.date(2025, 8, 17)
POPPLER = all(shutil.which(t) for t in ("pdftotext", "pdfinfo", "pdftoppm"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
MM = 72 / 25.4  # PDF points per millimetre


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def kec(bone) -> str:
    """The Bone kecamatan with the most desa."""
    return str(bone.areas("desa").groupby("kecamatan_code").size().idxmax())


@pytest.fixture(scope="module")
def printed(bone, kec, tmp_path_factory):
    """(brief, pdf path, weasyprint's page count) of the kecamatan brief."""
    b = build_brief(bone, kec, BriefOptions(date=DATE))
    pdf, pages = html_to_pdf(b.html, b.date)
    path = tmp_path_factory.mktemp("brief") / "brief.pdf"
    path.write_bytes(pdf)
    return b, path, pages


@pytest.fixture(scope="module")
def page_texts(printed) -> list[str]:
    """The text of each page (-layout keeps a table row on one line)."""
    text = _run("pdftotext", "-layout", str(printed[1]), "-")
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


@needs_poppler
def test_every_desa_and_its_top_candidate_are_in_the_pdf(bone, kec, page_texts):
    desa = bone.areas("desa")
    desa = desa[desa["kecamatan_code"] == kec]
    assert len(desa) >= 15  # the largest kecamatan of Bone has 22
    cand = bone.candidates("desa", top=3)
    top1 = cand[cand["rank"] == 1].set_index("code")["commodity_name_id"]
    lines = "\n".join(page_texts).splitlines()
    for code, name in zip(desa["code"], desa["name"]):
        # the desa table's row: number, desa name, rank 1 and its commodity on one line
        rows = [ln for ln in lines if re.search(rf"\b{re.escape(name)}\b", ln)
                and re.search(rf"\s1\s+{re.escape(top1[code])}\b", ln)]
        assert rows, f"no table row with desa {name} and its top candidate {top1[code]}"
    kec_name = bone.areas("kecamatan").at[kec, "name"]
    assert f"Kecamatan {kec_name}" in page_texts[0]


@needs_poppler
def test_page_count_follows_the_sections(printed, page_texts):
    """Rule: every section with ``page_break`` starts a new page, so each section's heading
    is on a later page than the previous one, the first on page 1, and there are at least as
    many pages as sections; pdfinfo, WeasyPrint and the footer agree on the count."""
    b, path, pages = printed
    info = _run("pdfinfo", str(path))
    n = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert n == pages == len(page_texts)
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info, re.M)
    assert f"Halaman {n} dari {n}" in page_texts[-1]
    for i, text in enumerate(page_texts, 1):
        assert f"Halaman {i} dari {n}" in text
    starts = []
    for s in b.sections:
        title = s.title if s.id != "summary" else f"Kecamatan {b.name}"
        hit = [i for i, t in enumerate(page_texts, 1) if title in t]
        assert hit, f"section {s.title!r} not found"
        starts.append(hit[0])
    assert starts[0] == 1 and all(b > a for a, b in zip(starts, starts[1:]))
    assert "Desa menurut kandidat peringkat 1" in page_texts[0]  # the map fits page 1
    assert n >= len(b.sections)
    # the desa table runs over a page here: each of its pages repeats the table header
    first = starts[[s.id for s in b.sections].index("desa")]
    after = starts[[s.id for s in b.sections].index("desa") + 1]
    assert after - first >= 2
    for text in page_texts[first - 1:after - 1]:
        assert re.search(r"No\.\s+Desa/kelurahan\s+#\s+Komoditas", text)


@needs_poppler
def test_no_page_is_blank_and_no_text_leaves_the_page(printed, tmp_path):
    b, path, n = printed
    # a page that holds only the running header and footer, as the baseline
    empty = re.sub(r"<body>.*</body>", "<body><p>&#160;</p></body>", b.html, flags=re.S)
    base_pdf, _ = html_to_pdf(empty, DATE)
    (tmp_path / "empty.pdf").write_bytes(base_pdf)
    _run("pdftoppm", "-r", "50", "-png", str(tmp_path / "empty.pdf"), str(tmp_path / "e"))
    _run("pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "p"))
    import matplotlib.image as mpimg

    def spread(png: Path) -> float:
        img = mpimg.imread(png)
        return float(np.std(img[..., :3].mean(axis=2)))

    base = spread(next(tmp_path.glob("e-*.png")))
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == n
    for png in pngs:
        # a page of the brief carries at least a heading or a table beyond header and footer
        assert spread(png) > 1.5 * base, f"{png.name} looks blank"
    # every word lies inside the page, at most half a margin (7 mm) into the margins
    bbox = _run("pdftotext", "-bbox", str(path), "-")
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                       r'yMax="([\d.]+)">', bbox)
    assert len(words) > 500
    box = np.array(words, dtype=float)
    assert box[:, 0].min() >= 7 * MM and box[:, 2].max() <= 595.28 - 7 * MM
    assert box[:, 1].min() >= 5 * MM and box[:, 3].max() <= 841.89 - 5 * MM


@needs_poppler
def test_the_same_brief_twice_is_identical_but_for_its_date(bone, kec, printed):
    b, path, _ = printed
    again = build_brief(bone, kec, BriefOptions(date=DATE))
    assert again.html == b.html
    assert html_to_pdf(again.html, DATE)[0] == path.read_bytes()
    other = dt.date(2026, 1, 5)
    later = build_brief(bone, kec, BriefOptions(date=other))
    assert later.html != b.html
    assert later.html.replace(fmt_date(other), "DATE") == b.html.replace(fmt_date(DATE), "DATE")


@needs_poppler
def test_statistics_section_shows_the_quadrants(bone, kec, printed, page_texts):
    b = printed[0]
    assert "statistics" in [s.id for s in b.sections]
    q = bone.analysis("dlq", measure="production")
    q = q[q["code"] == kec].dropna(subset=["slq"]).sort_values("slq", ascending=False)
    first = q.iloc[0]
    slq = f"{first['slq']:,.2f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    text = "\n".join(page_texts)
    assert re.search(rf"{re.escape(first['commodity_name'])}\s+{re.escape(slq)}\s", text)


def test_a_kabupaten_brief_has_a_page_per_kecamatan(demo):
    b = build_brief(demo, "99.01", BriefOptions(lang="en", date=DATE))
    kec = demo.areas("kecamatan")
    assert b.kind == "kabupaten"
    ids = [s.id for s in b.sections]
    assert ids[:2] == ["summary", "overview"] and ids[-1] == "method"
    per_kec = [s for s in b.sections if s.id.startswith("kec-")]
    assert [s.id for s in per_kec] == [f"kec-{c}" for c in sorted(kec["code"])]
    assert all(s.page_break for s in per_kec)
    for code, name in zip(kec["code"], kec["name"]):
        anchor = "kec-" + code.replace(".", "-")
        assert f'id="{anchor}"' in b.html and f'href="#{anchor}"' in b.html  # page refs
        assert name in b.html
    assert "Candidates per kecamatan" in b.html and "Kandidat per desa" not in b.html
    assert {d[0] for d in b.desa} == set(demo.areas("desa")["code"])


def test_codes_are_resolved_and_desa_refused(demo):
    from unggulan.base.errors import UnggulanError, UnknownArea

    assert resolve_area(demo, "990101")[:2] == ("kecamatan", "99.01.01")
    assert resolve_area(demo, "99.01")[0] == "kabupaten"
    desa = demo.areas("desa").iloc[0]
    with pytest.raises(UnggulanError, match=desa["kecamatan_code"]):
        resolve_area(demo, desa["code"])
    with pytest.raises(UnknownArea):
        resolve_area(demo, "11.22.33")


@pytest.fixture(scope="module")
def demo_client(demo):
    from fastapi.testclient import TestClient

    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    with TestClient(create_app(Settings()), raise_server_exceptions=False) as client:
        # the session's demo dataset, its candidates already computed
        client.app.state.holder.dataset = demo
        yield client


def test_html_brief_from_the_api(demo_client, demo):
    r = demo_client.get("/api/v1/areas/99.01.01/brief.html", params={"lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    desa = demo.areas("desa")
    for name in desa.loc[desa["kecamatan_code"] == "99.01.01", "name"]:
        assert name in html
    # self-contained: every image a data URI, nothing fetched from elsewhere
    srcs = re.findall(r'src="([^"]*)"', html)
    assert srcs and all(s.startswith("data:image/svg+xml;base64,") for s in srcs)
    assert "<link" not in html and "@import" not in html
    assert "Method and data sources" in html
    r = demo_client.get("/api/v1/areas/00.00.00/brief.html")
    assert r.status_code == 404 and r.json()["field"] == "code"
    r = demo_client.get(f"/api/v1/areas/{desa['code'].iloc[0]}/brief.html")
    assert r.status_code == 422
    r = demo_client.get("/api/v1/areas/99.01.01/brief.html", params={"weights": "market=7"})
    assert r.status_code == 422 and r.json()["field"] == "weights"


def test_html_brief_of_a_saved_scenario_from_the_api(demo_client, demo):
    from unggulan.core.ranking.run import find_scenario
    from unggulan.core.scenario import load_scenario

    sc = load_scenario(find_scenario(demo.folder, "permendagri_9_2014").path)
    r = demo_client.get("/api/v1/areas/99.01.04/brief.html",
                        params={"scenario": "permendagri_9_2014"})
    assert r.status_code == 200
    run = demo.run_info(sc).run_hash
    assert r.headers["x-unggulan-run"] == run and run in r.text
    assert sc.name in r.text and sc.content_hash() in r.text
    r = demo_client.get("/api/v1/areas/99.01.04/brief.html", params={"scenario": "../x"})
    assert r.status_code == 422 and r.json()["field"] == "scenario"


@needs_poppler
def test_pdf_brief_from_the_api(demo_client, demo, tmp_path):
    r = demo_client.get("/api/v1/areas/99.01.02/brief.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    (tmp_path / "b.pdf").write_bytes(r.content)
    text = _run("pdftotext", str(tmp_path / "b.pdf"), "-")
    assert "Kecamatan " + demo.areas("kecamatan").at["99.01.02", "name"] in text


def test_cli_writes_a_brief_with_a_scenario(demo, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from unggulan import cli
    from unggulan.core.scenario import load_scenario

    monkeypatch.setattr(cli, "_open", lambda data: demo)
    scenario = Path(__file__).resolve().parents[2] / "data/scenarios/permendagri_9_2014.toml"
    out = tmp_path / "brief.html"
    runner = CliRunner()
    res = runner.invoke(cli.cli, ["brief", "--area", "99.01.03", "--scenario",
                                  "permendagri_9_2014", "--out", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    sc = load_scenario(scenario)
    assert sc.name in html and sc.content_hash() in html
    # an existing file is kept without --overwrite; weights and a scenario exclude each other
    res = runner.invoke(cli.cli, ["brief", "--area", "99.01.03", "--out", str(out)])
    assert res.exit_code != 0 and "exists" in res.output
    res = runner.invoke(cli.cli, ["brief", "--area", "99.01.03", "--out", str(out),
                                  "--overwrite", "--weights", "market=0.5",
                                  "--scenario", str(scenario)])
    assert res.exit_code != 0 and "not both" in res.output


def test_docstring_examples(demo, monkeypatch, tmp_path):
    from unggulan import Dataset
    from unggulan.reports import brief, charts, collector, static_map
    from unggulan.reports.brief import content, figures, render, sections, wording

    monkeypatch.chdir(tmp_path)
    # the examples open the bundled dataset: hand them the session's, already computed
    monkeypatch.setattr(Dataset, "open", classmethod(lambda cls, path=None, **kw: demo))
    for module in (charts, static_map, brief, wording, content, figures, render, sections,
                   collector):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        assert result.attempted > 0 or module is sections, module.__name__


def test_figures_and_pdf_are_made_once_per_content(demo, tmp_path, monkeypatch):
    """The figure cache (#34): a second brief of the same content reads every figure back
    instead of drawing it, and its HTML is byte-identical to the first and to a brief drawn
    without the cache; a PDF is rendered once per HTML."""
    from unggulan.reports import charts, static_map
    from unggulan.reports.brief import figures

    opt = BriefOptions(date=DATE)
    monkeypatch.setattr(figures, "folder", lambda ds: None)
    drawn: list[str] = []
    real = charts.render_svg

    def counted(*args, **kwargs):
        drawn.append("svg")
        return real(*args, **kwargs)

    monkeypatch.setattr(charts, "render_svg", counted)
    monkeypatch.setattr(static_map, "render_svg", counted)
    uncached = build_brief(demo, "99.01.01", opt)
    n_figures = len(drawn)
    assert n_figures >= 2 and uncached.html.count("data:image/svg+xml") == n_figures

    monkeypatch.setattr(figures, "folder", lambda ds: tmp_path)
    cold = build_brief(demo, "99.01.01", opt)
    assert len(drawn) == 2 * n_figures
    assert len(list(tmp_path.glob("*.svg.pickle"))) == n_figures
    warm = build_brief(demo, "99.01.01", opt)
    assert len(drawn) == 2 * n_figures  # nothing drawn
    assert cold.html == uncached.html == warm.html
    # another language is other content: drawn anew
    build_brief(demo, "99.01.01", BriefOptions(date=DATE, lang="en"))
    assert len(drawn) > 2 * n_figures

    # the PDF: rendered once per HTML, the same bytes read back
    import weasyprint

    first, pages = html_to_pdf(warm.html, DATE, cache=tmp_path)
    monkeypatch.setattr(weasyprint, "HTML", None)  # rendering again would fail
    assert html_to_pdf(warm.html, DATE, cache=tmp_path) == (first, pages)
    assert len(list(tmp_path.glob("*.pdf.pickle"))) == 1


def test_figure_keys_follow_the_content():
    import geopandas as gpd
    from shapely.geometry import box

    from unggulan.reports.brief.figures import digest
    from unggulan.reports.static_map import LegendEntry

    def gdf(x):
        return gpd.GeoDataFrame({"code": ["a"]}, geometry=[box(x, 0, x + 1, 1)], crs=4326)

    base = digest(gdf(0), ["#FFFFFF"], [LegendEntry("Kakao (1)", "#CC6677", "//")], 6.5)
    assert base == digest(gdf(0), ["#FFFFFF"], [LegendEntry("Kakao (1)", "#CC6677", "//")], 6.5)
    for other in (digest(gdf(0.001), ["#FFFFFF"], [LegendEntry("Kakao (1)", "#CC6677", "//")],
                         6.5),
                  digest(gdf(0).to_crs(3857), ["#FFFFFF"],
                         [LegendEntry("Kakao (1)", "#CC6677", "//")], 6.5),
                  digest(gdf(0), ["#FFFFFE"], [LegendEntry("Kakao (1)", "#CC6677", "//")], 6.5),
                  digest(gdf(0), ["#FFFFFF"], [LegendEntry("Kakao (2)", "#CC6677", "//")], 6.5),
                  digest(gdf(0), ["#FFFFFF"], [LegendEntry("Kakao (1)", "#CC6677", "//")], 5.5),
                  digest(gdf(0), ["#FFFFFF"], [LegendEntry("Kakao (1)", "#CC6677", "//")], 6.5,
                         np.array([1.0, np.nan]))):
        assert other != base
    with pytest.raises(TypeError):
        digest(object())  # never hashed by identity


def test_figure_cache_is_bounded(tmp_path):
    import os
    import time

    from unggulan.reports.brief.figures import prune

    for i in range(12):
        f = tmp_path / f"{i}.svg.pickle"
        f.write_text("x")
        os.utime(f, (time.time() - 100 + i, time.time() - 100 + i))
    assert prune(tmp_path, keep=8) == 6  # down to three quarters of 8
    assert sorted(int(p.name.split(".")[0]) for p in tmp_path.iterdir()) == list(range(6, 12))
    assert prune(tmp_path, keep=8) == 0
    # by size: 6 files of 1 byte over a bound of 4 bytes keep the 3 most recent
    assert prune(tmp_path, keep=100, max_bytes=4) == 3
    assert sorted(int(p.name.split(".")[0]) for p in tmp_path.iterdir()) == [9, 10, 11]


def test_utm_zone_without_the_database_query():
    import geopandas as gpd
    from shapely.geometry import box

    from unggulan.reports.static_map import utm_crs

    # inside zones (both hemispheres, Indonesia east to west), on a zone's edge, the equator
    for x, y in ((120.3, -4.9), (106.8, -6.2), (95.3, 5.5), (140.7, -2.5), (0.5, 51.5),
                 (120.0, -4.5), (119.9, 0.0), (-179.9, 65.0)):
        g = gpd.GeoDataFrame(geometry=[box(x - 0.1, y - 0.05, x + 0.1, y + 0.05)], crs=4326)
        assert utm_crs(g) == g.estimate_utm_crs(), (x, y)


@pytest.mark.parametrize("fork", [True, False], ids=["second process", "this process"])
def test_figures_drawn_beside_the_layout_give_the_same_pdf(demo, tmp_path, monkeypatch, fork):
    """#34: a PDF brief records the figures not in the cache, draws them (in a second
    process) while WeasyPrint lays the pages out around blank figures of their size, then
    puts them in: the same bytes as the brief with its figures drawn first; the figures and
    the PDF are kept in the cache as then (the PDF under the HTML with its figures)."""
    import weasyprint

    from unggulan.reports.brief import brief_pdf, build_brief_pdf, figures

    opt = BriefOptions(date=DATE)
    monkeypatch.setattr(figures, "FORK_FROM", 1 if fork else 10**6)
    forks = []
    real_fork = figures._fork_drawing
    monkeypatch.setattr(figures, "_fork_drawing", lambda todo: forks.append(len(todo))
                        or real_fork(todo))
    monkeypatch.setattr(figures, "folder", lambda ds: tmp_path)
    pdf, printed = build_brief_pdf(demo, "99.01", opt)
    n_figures = len(list(tmp_path.glob("*.svg.pickle")))
    assert n_figures >= 4 and forks == ([n_figures] if fork else [])
    assert len(list(tmp_path.glob("*.pdf.pickle"))) == 1

    monkeypatch.setattr(figures, "folder", lambda ds: None)  # drawn at once, no cache
    at_once = build_brief(demo, "99.01", opt)
    assert at_once.html.count("data:image/svg+xml") == n_figures
    assert printed.html == at_once.html  # the figures in place of their placeholders
    assert html_to_pdf(at_once.html, DATE)[0] == pdf

    monkeypatch.setattr(figures, "folder", lambda ds: tmp_path)
    monkeypatch.setattr(weasyprint, "HTML", None)  # rendering again would fail
    assert brief_pdf(demo, "99.01", opt) == pdf  # figures and PDF read back


def test_figures_are_drawn_here_when_the_second_process_fails(demo, monkeypatch, caplog):
    import os

    from unggulan.reports import charts
    from unggulan.reports.brief import figures

    opt = BriefOptions(date=DATE)
    monkeypatch.setattr(figures, "folder", lambda ds: None)
    monkeypatch.setattr(figures, "FORK_FROM", 1)
    parent, real = os.getpid(), charts.Pending.render

    def render(self):
        if os.getpid() != parent:
            raise RuntimeError("the drawing process fails")
        return real(self)

    monkeypatch.setattr(charts.Pending, "render", render)
    with figures.deferring() as pending:
        b = build_brief(demo, "99.01.01", opt)
    assert len(pending) >= 2
    pdf, pages = html_to_pdf(b.html, DATE, pending=pending)
    assert "drawn here" in caplog.text
    assert all(p.text is not None for p in pending)
    assert (pdf, pages) == html_to_pdf(build_brief(demo, "99.01.01", opt).html, DATE)


def test_placeholders_have_the_size_of_their_figure():
    """WeasyPrint lays a figure's page out from the size of a blank SVG
    (:func:`unggulan.reports.brief.render.placeholder`): matplotlib's SVG has that size."""
    import xml.etree.ElementTree as ET

    from unggulan.reports.charts import record, render_svg

    for w, h in [(17.0, 12.5), (10.54, 6.5), (17.0, 3.3333333), (4.2, 0.7)]:
        p = record(render_svg, lambda fig: fig.add_subplot().plot([0, 1]), w, h)
        root = ET.fromstring(p.render())
        assert {k: root.get(k) for k in ("width", "height", "viewBox")} == p.root_size()



def test_a_figure_drawn_at_another_size_than_laid_out_renders_the_page_anew(demo,
                                                                           monkeypatch):
    """The placeholders' size is checked against the drawn figures: where they differ, the
    PDF is rendered again from the HTML with the figures (the same bytes, more time)."""
    import weasyprint

    from unggulan.reports import charts
    from unggulan.reports.brief import figures

    opt = BriefOptions(date=DATE)
    monkeypatch.setattr(figures, "folder", lambda ds: None)
    real_size, real_html = charts.Pending.root_size, weasyprint.HTML
    monkeypatch.setattr(charts.Pending, "root_size",
                        lambda self: {**real_size(self), "width": "1pt"})
    rendered = []
    monkeypatch.setattr(weasyprint, "HTML", lambda **kw: rendered.append(1) or real_html(**kw))
    with figures.deferring() as pending:
        b = build_brief(demo, "99.01.01", opt)
    pdf, _ = html_to_pdf(b.html, DATE, pending=pending)
    assert len(rendered) == 2  # laid out around the placeholders, then anew
    monkeypatch.undo()
    assert pdf == html_to_pdf(build_brief(demo, "99.01.01", opt).html, DATE)[0]
