"""The ``unggulan`` command. Each command calls the core and prints; exit code != 0 on failure."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.base.errors import UnggulanError
from app.base.problems import Problem

cli = typer.Typer(
    help="unggulan: flagship commodities (komoditas unggulan) per desa and kecamatan.",
    no_args_is_help=True,
    add_completion=False,
)
# piped output (CI logs, files) gets a wide table instead of rich's 80 columns
out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)

DataOpt = Annotated[
    Path | None,
    typer.Option("--data", help="dataset folder (default: UNGGULAN_DATA or the bundled data/)"),
]


def _fail(exc: Exception, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _open(data: Path | None):
    from app import Dataset

    try:
        return Dataset.open(data)
    except UnggulanError as exc:
        _fail(exc)


@cli.command()
def validate(
    data: DataOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Load a dataset and print what was read and guessed; exit 0 when it is usable."""
    ds = _open(data)
    summary = ds.summary()
    if as_json:
        sys.stdout.write(json.dumps(_strict_json(summary), indent=2, ensure_ascii=False,
                                    allow_nan=False, default=str) + "\n")
    else:
        _print_summary(summary)
    if not summary["usable"]:
        raise typer.Exit(1)


def _strict_json(value):
    """NaN and infinities as null: strict JSON that every parser reads."""
    import math

    if isinstance(value, dict):
        return {str(k): _strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _strict_json(value.item())
    return value


def _print_summary(s: dict) -> None:
    title = f"Dataset [bold]{s['dataset']}[/] ({s['folder']})"
    if s["synthetic"]:
        title += "  [yellow]SINTETIS / SYNTHETIC data[/]"
    out.print(title)
    out.print(f"CRS stored {s['crs']}; areas measured in {s['area_crs']}")

    t = Table(title="Areas / Wilayah")
    for c in ("level", "areas", "file", "code column", "name column", "code system", "repaired",
              "dropped"):
        t.add_column(c)
    for lv, v in s["levels"].items():
        src = "dissolved from desa" if v["dissolved"] else Path(v["file"]).name + (
            f" [{v['layer']}]" if v["layer"] else "")
        t.add_row(lv, str(v["areas"]), src, str(v["code_column"] or "-"),
                  str(v["name_column"] or "-"),
                  f"{v['code_system']} ({v['code_system_reason']})", str(v["repaired"]),
                  str(v["dropped"]))
    out.print(t)

    se = s["sentra"]
    t = Table(title="Sentra")
    t.add_column("what")
    t.add_column("value", overflow="fold")
    for f in se["files"]:
        cols = ", ".join(f"{k}={v}" for k, v in f["columns"].items())
        t.add_row(f"file {f['file']}", f"{f['rows']} rows; sep={f['sep']!r} "
                  f"decimal={f['decimal']!r} encoding={f['encoding']}; columns: {cols}")
    t.add_row("records", str(se["records"]))
    t.add_row("placed", f"{se['placed']} (" + ", ".join(
        f"{k}: {v}" for k, v in se["placed_by"].items()) + ")")
    t.add_row("unplaced", str(se["unplaced"]))
    for reason, n in se["unplaced_reasons"].items():
        t.add_row("  reason", f"{n} x {reason}")
    t.add_row("commodities matched", f"{se['commodities_matched']} commodities, "
              f"{se['records_matched']} records ({se['match_kinds']})")
    if se["unmatched_names"]:
        t.add_row("unmatched names", ", ".join(f"{k} ({v})" for k, v in
                                                se["unmatched_names"].items()))
    out.print(t)

    _print_statistics(s.get("statistics") or {})

    t = Table(title="Rasters")
    for c in ("attribute", "file", "taken as", "CRS", "size", "resolution", "nodata"):
        t.add_column(c)
    for attr, r in s["rasters"].items():
        t.add_row(attr, Path(r["path"]).name, "guessed from name" if r["guessed"] else "config",
                  r["crs"], f"{r['width']}x{r['height']}",
                  f"{r['resolution'][0]:.6g}", str(r["nodata"]))
    out.print(t)

    probs = s["problems"]
    if probs:
        out.print("[bold]Problems[/]")
        colour = {"error": "red", "warning": "yellow", "info": "cyan"}
        for p in probs[:200]:
            text = str(Problem(**p))
            # one line per problem, never wrapped, so a path or column stays greppable
            out.print(f"  [{colour[p['severity']]}]{p['severity']:<7}[/] {escape(text)}",
                      soft_wrap=True, highlight=False)
        if len(probs) > 200:
            out.print(f"  ... and {len(probs) - 200} more (use --json for all)")
    n_err = sum(p["severity"] == "error" for p in probs)
    if s["usable"]:
        out.print("[green]usable[/]: the dataset can be used.")
    else:
        out.print(f"[red]not usable[/]: {n_err} error(s) above must be fixed.")


def _print_statistics(st: dict) -> None:
    if not st.get("tables"):
        return
    t = Table(title="Statistik / Statistics")
    for c in ("table", "level", "rows", "areas", "years", "commodities", "measure (unit)",
              "total row"):
        t.add_column(c, overflow="fold")
    for r in st["tables"]:
        name = Path(r["file"]).name + (f" [{r['sheet']}]" if r["sheet"] else "")
        areas = f"{r['areas_matched']} matched"
        if r["areas_unmatched"]:
            areas += "; unmatched: " + ", ".join(
                f"{k} (closest: {v})" if v else k for k, v in r["areas_unmatched"].items())
        years = r["years"]
        ytxt = (f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])) if years \
            else "-"
        comm = f"{len(r['commodities_matched'])} matched"
        if r["commodities_unmatched"]:
            comm += "; unmatched: " + ", ".join(
                f"{k} (near: {', '.join(v)})" if v else k
                for k, v in r["commodities_unmatched"].items())
        meas = ", ".join(f"{m} ({u})" for m, u in r["measures"].items())
        tot = "-"
        if r["totals"]:
            off = [x for x in r["totals"] if abs(x.get("difference") or 0) > 0.5]
            tot = (f"{len(r['totals'])} checked, {len(off)} differ" if off
                   else f"{len(r['totals'])} checked, equal")
        t.add_row(name, str(r["level"]), str(r["rows"]), areas, ytxt, comm, meas, tot)
    out.print(t)


@cli.command()
def init(
    folder: Annotated[Path, typer.Argument(help="dataset folder")],
    force: Annotated[
        bool, typer.Option("--force", help="replace an existing dataset.toml")
    ] = False,
) -> None:
    """Write DIR/dataset.toml holding what was guessed, for you to correct."""
    from app.core.config import CONFIG_NAME
    from app.io.dataset_toml import write_guessed_config

    target = folder / CONFIG_NAME
    if target.exists() and not force:
        _fail(f"{target} exists; use --force to replace it", 1)
    ds = _open(folder)
    try:
        write_guessed_config(ds, target)
    except OSError as exc:
        _fail(exc)
    out.print(f"wrote {target}")


LevelOpt = Annotated[str, typer.Option("--level", help="desa or kecamatan")]


def _write_table(frame, out_path: Path, areas=None, overwrite: bool = True) -> None:
    from app.io.exports import write_frame

    try:
        write_frame(frame, out_path, geometry=areas, overwrite=overwrite)
    except UnggulanError as exc:
        _fail(exc)
    out.print(f"wrote {out_path} ({len(frame)} rows)")


@cli.command()
def attributes(
    data: DataOpt = None,
    level: LevelOpt = "desa",
    out_path: Annotated[Path, typer.Option("--out", help=".gpkg .geojson .csv .parquet")] = Path(
        "attributes.csv"),
) -> None:
    """Agro-ecological attributes per area (zonal statistics of every raster)."""
    ds = _open(data)
    try:
        frame = ds.attributes(level, progress=True)
    except UnggulanError as exc:
        _fail(exc)
    frame = frame.rename_axis("code").reset_index()
    _write_table(frame, out_path, ds.areas(level))


@cli.command()
def suitability(
    data: DataOpt = None,
    level: LevelOpt = "desa",
    out_path: Annotated[Path, typer.Option("--out", help=".gpkg .geojson .csv .parquet")] = Path(
        "suitability.csv"),
    commodity: Annotated[list[str] | None, typer.Option(
        "--commodity", help="commodity id (repeat for several); default: all")] = None,
    management: Annotated[str, typer.Option(help="rendah, sedang or tinggi")] = "rendah",
) -> None:
    """Land suitability class (S1/S2/S3/N) per area and commodity, with limiting factors."""
    ds = _open(data)
    try:
        frame = ds.suitability(level, commodities=commodity or None, management=management,
                               progress=True)
    except UnggulanError as exc:
        _fail(exc)
    _write_table(frame, out_path, ds.areas(level))


@cli.command()
def propose(
    data: DataOpt = None,
    level: LevelOpt = "desa",
    top: Annotated[int, typer.Option("--top", min=1, help="candidates per area")] = 3,
    weights: Annotated[str | None, typer.Option(
        "--weights", help="e.g. suitability=0.4,specialisation=0.3 (others keep defaults)")]
    = None,
    out_path: Annotated[Path, typer.Option("--out", help=".gpkg .geojson .csv .parquet")] = Path(
        "candidates.gpkg"),
    long: Annotated[bool, typer.Option("--long", help="one row per area and rank")] = False,
    reference: Annotated[str, typer.Option(
        help="LQ reference region: kabupaten, province or dataset")] = "kabupaten",
    management: Annotated[str, typer.Option(help="rendah, sedang or tinggi")] = "rendah",
    period: Annotated[str | None, typer.Option(
        help="statistics years, e.g. 2018-2022 (default: all)")] = None,
    measure: Annotated[str | None, typer.Option(
        help="statistics measure for every commodity (default: production, else population, "
             "harvested area ...)")] = None,
) -> None:
    """Ranked candidate flagship commodities per area, with evidence and reasons."""
    ds = _open(data)
    try:
        frame = ds.candidates(level, top=top, weights=weights, wide=not long,
                              reference=reference, management=management, period=period,
                              measure=measure)
    except UnggulanError as exc:
        _fail(exc)
    table = frame.drop(columns="geometry")
    _write_table(table, out_path, ds.areas(level))


@cli.command()
def analyse(
    data: DataOpt = None,
    method: Annotated[str, typer.Option(
        help="slq, dlq, shift-share, klassen, specialisation or localisation")] = "dlq",
    measure: Annotated[str, typer.Option(
        help="production, harvested_area, population, value ... or sentra workers/units")]
    = "production",
    period: Annotated[str | None, typer.Option(help="e.g. 2018-2022 (default: all years)")]
    = None,
    level: Annotated[str | None, typer.Option(
        help="desa, kecamatan (default: the statistics' level)")] = None,
    reference: Annotated[str, typer.Option(
        help="dataset (the sum of the areas) or province (a kabupaten table's sum)")]
    = "dataset",
    variant: Annotated[str, typer.Option(help="shift-share: classic or esteban")] = "classic",
    growth: Annotated[str, typer.Option(
        help="average growth: mean (of yearly rates) or cagr")] = "mean",
    out_path: Annotated[Path, typer.Option(
        "--out", help=".csv .gpkg .geojson .parquet (.zip shapefile)")] = Path("analysis.csv"),
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace an existing file")]
    = True,
) -> None:
    """Planning methods on the statistics: SLQ, DLQ and quadrants, shift-share, Klassen."""
    ds = _open(data)
    try:
        opts = {"variant": variant} if method == "shift-share" else (
            {"growth": growth} if method in ("dlq", "klassen") else {})
        frame = ds.analysis(method, measure=measure, period=period, level=level,
                            reference=reference, **opts)
    except UnggulanError as exc:
        _fail(exc)
    lv = frame["level"].iat[0] if len(frame) else level
    areas = ds.areas(lv) if "code" in frame and lv in ds.levels else None
    _write_table(frame, out_path, areas, overwrite=overwrite)


@cli.command()
def export(
    data: DataOpt = None,
    layer: Annotated[str, typer.Option(help="areas, sentra, suitability, candidates or statistics")]
    = "candidates",
    level: LevelOpt = "desa",
    out_path: Annotated[Path, typer.Option(
        "--out", help=".gpkg .zip (shapefile) .geojson .csv .parquet")] = Path("unggulan.gpkg"),
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace an existing file")]
    = False,
    top: Annotated[int, typer.Option(min=1)] = 3,
    weights: Annotated[str | None, typer.Option()] = None,
    area: Annotated[str | None, typer.Option(
        help="only this area: a desa, kecamatan, kabupaten or province code")] = None,
) -> None:
    """Export a layer for QGIS/ArcGIS (several layers can share one GeoPackage)."""
    from app.core.layers import get_layer
    from app.io.exports import write_layer

    ds = _open(data)
    try:
        gdf = get_layer(ds, layer, level, area=area, top=top, weights=weights)
        name = layer if layer in ("sentra", "statistics") else f"{layer}_{level}"
        write_layer(gdf, out_path, layer=name, overwrite=overwrite)
    except UnggulanError as exc:
        _fail(exc)
    out.print(f"wrote {out_path} (layer {name}, {len(gdf)} features)")


@cli.command("map")
def map_page(
    data: DataOpt = None,
    out_path: Annotated[Path, typer.Option("--out", help="the HTML file to write")]
    = Path("peta_unggulan.html"),
    level: LevelOpt = "desa",
    lang: Annotated[str, typer.Option(help="id (Bahasa Indonesia) or en")] = "id",
    weights: Annotated[str | None, typer.Option()] = None,
    top: Annotated[int, typer.Option(min=1, max=10)] = 3,
    commodity: Annotated[str | None, typer.Option(
        help="a commodity view instead of the candidate map")] = None,
    view: Annotated[str, typer.Option(help="commodity view: class or score")] = "class",
    basemap: Annotated[str, typer.Option(help="osm or plain")] = "osm",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace an existing file")]
    = False,
) -> None:
    """Write the web map as one HTML file that opens offline (scripts inlined)."""
    from app.io.exports import check_target, write_text
    from app.maps.pages import PageOptions, commodity_map, main_map, render

    ds = _open(data)
    try:
        check_target(out_path, overwrite)  # before the map is built
        opt = PageOptions(lang=lang, weights=weights, top=top, inline=True, basemap=basemap)
        m = commodity_map(ds, commodity, view, level, opt) if commodity else \
            main_map(ds, level, opt)
        html = render(m)
        write_text(out_path, html, overwrite)
    except UnggulanError as exc:
        _fail(exc)
    out.print(f"wrote {out_path} ({len(html.encode()) / 1e6:.2f} MB)")


@cli.command()
def brief(
    data: DataOpt = None,
    area: Annotated[str, typer.Option(
        "--area", help="a kecamatan code, or a kabupaten code for a whole kabupaten")] = "",
    out_path: Annotated[Path, typer.Option("--out", help="the brief: .pdf or .html")]
    = Path("brief.pdf"),
    lang: Annotated[str, typer.Option(help="id (Bahasa Indonesia) or en")] = "id",
    weights: Annotated[str | None, typer.Option(
        help="e.g. suitability=0.4,specialisation=0.3 (others keep defaults)")] = None,
    scenario: Annotated[Path | None, typer.Option(
        help="a scenario file (.toml) with agreed weights; instead of --weights")] = None,
    top: Annotated[int, typer.Option(min=1, max=10, help="candidates per area")] = 3,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace an existing file")]
    = False,
) -> None:
    """A printable brief (PDF or HTML) of a kecamatan or a whole kabupaten, for planners."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from app.io.exports import check_target
    from app.reports import BriefOptions, write_brief

    if not area:
        _fail("give --area: a kecamatan code (73.08.01) or a kabupaten code (73.08)", 1)
    ds = _open(data)
    try:
        check_target(out_path, overwrite)  # before the work
        opt = BriefOptions(lang=lang, weights=weights, scenario=scenario, top=top)
        with Progress(TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                      console=err) as bar:
            task = bar.add_task("brief", total=None)

            def progress(done: int, total: int, what: str) -> None:
                bar.update(task, completed=done, total=total, description=escape(what))

            write_brief(ds, area, out_path, opt, overwrite=overwrite, progress=progress)
    except UnggulanError as exc:
        _fail(exc)
    out.print(f"wrote {out_path} ({out_path.stat().st_size / 1e6:.2f} MB)")


@cli.command()
def serve(
    data: DataOpt = None,
    host: Annotated[str | None, typer.Option(help="address to bind")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
) -> None:
    """Start the HTTP service (uvicorn) on the dataset."""
    import os

    import uvicorn

    from app.settings import Settings

    if data is not None:
        os.environ["UNGGULAN_DATA"] = str(data)
    settings = Settings()
    _open(settings.data_dir())  # fail here, with a clear message, rather than inside uvicorn
    uvicorn.run(
        "app.api.main:create_app", factory=True, host=host or settings.host,
        port=port or settings.port, log_level=settings.log_level,
    )


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
