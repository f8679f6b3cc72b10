"""The ``unggulan`` command. Each command calls the core and prints; the project's errors
become ``error: <message>`` and an exit code != 0 in one place, :class:`exit_on_error`."""

from __future__ import annotations

import json
import sys
from contextlib import ContextDecorator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from unggulan.base.errors import UnggulanError
from unggulan.base.problems import Problem

cli = typer.Typer(
    help="unggulan: flagship commodities (komoditas unggulan) per desa and kecamatan.",
    no_args_is_help=True,
    add_completion=False,
)
# piped output (CI logs, files) gets a wide table instead of rich's 80 columns
out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def _print_version(value: bool) -> None:
    if value:
        from unggulan import __version__

        print(f"unggulan {__version__}")
        raise typer.Exit()


@cli.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="print the version and exit")] = False) -> None:
    """unggulan: flagship commodities (komoditas unggulan) per desa and kecamatan."""

DataOpt = Annotated[
    Path | None,
    typer.Option("--data", help="dataset folder (default: UNGGULAN_DATA or the bundled data/)"),
]


ScenarioOpt = Annotated[
    str | None,
    typer.Option("--scenario", help="a scenario file (.toml), or the id or name of a saved one "
                 "(DIR/scenarios, data/scenarios); its settings replace --weights, --top, "
                 "--reference, --management, --period and --measure"),
]


def _fail(exc: Exception | str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


class exit_on_error(ContextDecorator):  # lower case: used like a function, @exit_on_error()
    """The one place where the CLI turns the project's errors into an exit: an
    :class:`~unggulan.base.errors.UnggulanError` (DatasetError, InvalidWeights, ...) becomes
    ``error: <message>`` on stderr and exit ``code`` (2: an input or an option is wrong).

    Every command is decorated with it (``@exit_on_error()``, or ``@exit_on_error(1)`` where
    the command documents exit 1 for a refusal); ``with exit_on_error(1):`` gives one step of
    a command another code. Any other exception is a bug and keeps its traceback."""

    def __init__(self, code: int = 2) -> None:
        self.code = code

    def __call__(self, func):
        command = super().__call__(func)
        command.exit_code = self.code  # what tests/test_cli_errors.py checks on every command
        return command

    def __enter__(self) -> exit_on_error:
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        if isinstance(exc, UnggulanError):
            _fail(exc, self.code)
        return False


def _open(data: Path | None):
    from unggulan import Dataset

    return Dataset.open(data)


@cli.command()
@exit_on_error()
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


def _row(t: Table, *cells: str) -> None:
    """A table row with its text escaped: names and hints such as "[commodities]" are shown
    as written, never read as rich markup."""
    t.add_row(*(escape(str(c)) for c in cells))


def _print_summary(s: dict) -> None:
    title = f"Dataset [bold]{escape(s['dataset'])}[/] ({escape(s['folder'])})"
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
        _row(t, lv, str(v["areas"]), src, str(v["code_column"] or "-"),
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
        _row(t, f"file {f['file']}", f"{f['rows']} rows; sep={f['sep']!r} "
                  f"decimal={f['decimal']!r} encoding={f['encoding']}; columns: {cols}")
    _row(t, "records", str(se["records"]))
    _row(t, "placed", f"{se['placed']} (" + ", ".join(
        f"{k}: {v}" for k, v in se["placed_by"].items()) + ")")
    _row(t, "unplaced", str(se["unplaced"]))
    for reason, n in se["unplaced_reasons"].items():
        _row(t, "  reason", f"{n} x {reason}")
    _row(t, "commodities matched", f"{se['commodities_matched']} commodities, "
              f"{se['records_matched']} records ({se['match_kinds']})")
    if se["unmatched_names"]:
        _row(t, "unmatched names", ", ".join(f"{k} ({v})" for k, v in
                                                se["unmatched_names"].items()))
    for cid, u in (se.get("unknown_commodities") or {}).items():
        near = ", ".join(u["closest"]) or "-"
        _row(t, "  kept as commodity", f"{cid}: '{u['name']}', sector {u['sector']}; "
                  f"closest catalogue entries: {near} (map it under [commodities] in "
                  "dataset.toml if it is one of them)")
    out.print(t)

    _print_statistics(s.get("statistics") or {})

    t = Table(title="Rasters")
    for c in ("attribute", "file", "taken as", "CRS", "size", "resolution", "nodata",
              "source"):
        t.add_column(c)
    for attr, r in s["rasters"].items():
        prov = r.get("provenance") or {}
        src = (f"{prov.get('product') or '?'} ({prov.get('licence') or '?'}), fetched "
               f"{str(prov.get('fetched_at', ''))[:10]}" if prov else "-")
        _row(t, attr, Path(r["path"]).name, "guessed from name" if r["guessed"] else "config",
                  r["crs"], f"{r['width']}x{r['height']}",
                  f"{r['resolution'][0]:.6g}", str(r["nodata"]), src)
    out.print(t)

    _print_inexact(s)
    probs = s["problems"]
    if probs:
        out.print("[bold]Problems[/]")
        colour = {"error": "red", "warning": "yellow", "info": "cyan"}
        fields = ("severity", "file", "message", "row", "field")
        for p in probs[:200]:
            text = str(Problem(**{k: p.get(k) for k in fields}))
            if p.get("blocks"):
                text += f" [blocks: {p['blocks']}]"
            # one line per problem, never wrapped, so a path or column stays greppable
            out.print(f"  [{colour[p['severity']]}]{p['severity']:<7}[/] {escape(text)}",
                      soft_wrap=True, highlight=False)
        if len(probs) > 200:
            out.print(f"  ... and {len(probs) - 200} more (use --json for all)")
        counts = {lv: sum(p["severity"] == lv for p in probs) for lv in ("error", "warning",
                                                                         "info")}
        for lv, meaning in (s.get("severity_meaning") or {}).items():
            if counts.get(lv):
                out.print(f"  {counts[lv]} {lv}(s): {escape(meaning)}", highlight=False)
    cmds = s.get("commands") or {}
    if cmds:
        t = Table(title="Commands / Perintah")
        for c in ("command", "runs", "on"):
            t.add_column(c, overflow="fold")
        for name, c in cmds.items():
            _row(t, name, "yes" if c["complete"] else "partly" if c["ready"] else "no",
                 c["note"])
        out.print(t)
    n_err = sum(p["severity"] == "error" for p in probs)
    if s["usable"]:
        gaps = [k for k, c in cmds.items() if not c["complete"]]
        out.print("[green]usable[/]: no errors; " + (
            "every command runs on complete inputs." if not gaps else
            f"{escape(', '.join(gaps))} run on part of the evidence (see Commands)."))
    else:
        out.print(f"[red]not usable[/]: {n_err} error(s) above leave an input out (each says "
                  "what it blocks); the commands run on the rest until it is fixed.")


def _print_inexact(s: dict) -> None:
    """Names matched by spelling or fuzzily (with their score): for the user to check."""
    rows = []
    for r in (s.get("statistics") or {}).get("tables", []):
        name = Path(r["file"]).name + (f" [{r['sheet']}]" if r["sheet"] else "")
        for label, m in (r.get("areas_inexact") or {}).items():
            rows.append((name, str(r["level"]), label, m))
    for f in (s.get("sentra") or {}).get("files", []):
        for m in f.get("names_inexact") or []:
            rows.append((Path(f["file"]).name, m["level"], m["name"],
                         {**m, "name": m["matched"]}))
    if not rows:
        return
    t = Table(title="Names matched by spelling or fuzzily / Nama dicocokkan tidak persis")
    for c in ("file", "level", "written", "matched", "code", "how", "score"):
        t.add_column(c, overflow="fold")
    for file, level, written, m in rows:
        how = m["how"] + (f" ({', '.join(m['rules'])})" if m.get("rules") else "")
        _row(t, file, level, written, m["name"], m["code"], how, f"{m['score']:.2f}")
    out.print(t)


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
        _row(t, name, str(r["level"]), str(r["rows"]), areas, ytxt, comm, meas, tot)
    out.print(t)
    for r in st["tables"]:
        if r.get("book"):
            _print_book(r)


def _print_book(r: dict) -> None:
    """The tables of one BPS PDF book: read (with what) or skipped (with why)."""
    t = Table(title=f"Buku PDF / PDF book: {Path(r['file']).name}")
    for c in ("tabel", "title", "pages", "year", "level", "unit", "rows", "values", "status"):
        t.add_column(c, overflow="fold")
    for b in r["book"]:
        pages = b["pages"]
        ptxt = f"{pages[0]}-{pages[-1]}" if len(pages) > 1 else str(pages[0]) if pages else "-"
        status = "read" if b["status"] == "read" else f"skipped: {b['reason']}"
        t.add_row(b["number"], (b["title"] or "")[:70], ptxt, str(b["year"] or "-"),
                  str(b["level"] or "-"), str(b["unit"] or "-"), str(b["rows"]),
                  str(b["values"]), status)
    out.print(t)


@cli.command()
@exit_on_error()
def init(
    folder: Annotated[Path, typer.Argument(help="dataset folder")],
    force: Annotated[
        bool, typer.Option("--force", help="replace an existing dataset.toml")
    ] = False,
) -> None:
    """Write DIR/dataset.toml holding what was guessed, for you to correct."""
    from unggulan.core.inputs.config import CONFIG_NAME
    from unggulan.io.dataset_toml import write_guessed_config

    target = folder / CONFIG_NAME
    if target.exists() and not force:
        _fail(f"{target} exists; use --force to replace it", 1)
    ds = _open(folder)
    try:
        write_guessed_config(ds, target)
    except OSError as exc:
        _fail(exc)
    out.print(f"wrote {target}")
    if not ds.rasters:
        out.print("no agro-ecological rasters / tidak ada raster agroekologi: fetch them from "
                  f"public sources with\n  unggulan rasters fetch --data {folder} --dry-run\n"
                  f"  unggulan rasters fetch --data {folder} [--sources mirror.toml]",
                  highlight=False, soft_wrap=True)


LevelOpt = Annotated[str, typer.Option("--level", help="desa or kecamatan")]


def _write_table(frame, out_path: Path, areas=None, overwrite: bool = True,
                 metadata: dict | None = None) -> None:
    from unggulan.io.exports import write_frame

    write_frame(frame, out_path, geometry=areas, overwrite=overwrite, metadata=metadata)
    out.print(f"wrote {out_path} ({len(frame)} rows)")


def _load_scenario(value: str | None, ds, weights: str | None = None):
    """The scenario named by ``--scenario`` (a file, or a saved scenario's id or name)."""
    if value is None:
        return None
    if weights:
        _fail("give --weights or --scenario, not both (a scenario states all of its weights)",
              1)
    from unggulan.core.ranking.run import resolve_scenario

    return resolve_scenario(value, ds.folder)


def _print_run(meta: dict) -> None:
    """The scenario and hashes an output was made with, and the criteria without data."""
    out.print(f"skenario / scenario: [bold]{escape(str(meta['scenario']))}[/] · run "
              f"{meta['run_hash']} (scenario {meta['scenario_hash'][:12]}, inputs "
              f"{meta['inputs_hash'][:12]})", highlight=False)
    for key, what in (("criteria_without_data", "tanpa data / no data"),
                      ("criteria_partial_data", "sebagian / partly")):
        if meta.get(key):
            out.print(f"  kriteria {what}: {escape('; '.join(meta[key]))}", highlight=False)
    if meta.get("stability"):
        out.print(f"  stability: {escape(str(meta['stability']))}", highlight=False)


@cli.command()
@exit_on_error()
def attributes(
    data: DataOpt = None,
    level: LevelOpt = "desa",
    out_path: Annotated[Path, typer.Option("--out", help=".gpkg .geojson .csv .parquet")] = Path(
        "attributes.csv"),
) -> None:
    """Agro-ecological attributes per area (zonal statistics of every raster)."""
    ds = _open(data)
    frame = ds.attributes(level, progress=True)
    frame = frame.rename_axis("code").reset_index()
    _write_table(frame, out_path, ds.areas(level))


@cli.command()
@exit_on_error()
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
    frame = ds.suitability(level, commodities=commodity or None, management=management,
                           progress=True)
    _write_table(frame, out_path, ds.areas(level))


@cli.command()
@exit_on_error()
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
    scenario: ScenarioOpt = None,
    partitions: Annotated[int | None, typer.Option(
        "--partitions", min=1,
        help="compute on Dask in N spatial partitions, same result (UNGGULAN_DASK_SCHEDULER: "
             "a scheduler address; default: a local cluster)")] = None,
) -> None:
    """Ranked candidate flagship commodities per area, with evidence and reasons.

    Every output names its scenario and run hash (columns ``scenario``, ``run_hash``; the
    format's metadata) and, for up to 5,000 areas, the ``stability`` of each area's first
    candidate (share of 200 weight draws within +-20 % in which it stays first).
    """
    from unggulan.core.ranking.run import effective_scenario

    ds = _open(data)
    sc = _load_scenario(scenario, ds, weights)
    run = effective_scenario(sc, weights, top=top, reference=reference,
                             management=management, period=period, measure=measure)
    frame = ds.candidates_layer(level, run, long=long, partitions=partitions)
    meta = ds.layer_metadata("candidates", level, run, frame)
    table = frame.drop(columns="geometry")
    _write_table(table, out_path, ds.areas(level), metadata=meta)
    _print_run(meta)


@cli.command()
@exit_on_error()
def analyse(
    data: DataOpt = None,
    method: Annotated[str, typer.Option(
        help="slq, dlq, shift-share, klassen, specialisation or localisation")] = "dlq",
    measure: Annotated[str | None, typer.Option(
        help="production, harvested_area, population, value ... or sentra workers/units "
             "(default: the scenario's [statistics] measure, else production)")]
    = None,
    period: Annotated[str | None, typer.Option(
        help="e.g. 2018-2022 (default: the scenario's [statistics] period, else all years)")]
    = None,
    level: Annotated[str | None, typer.Option(
        help="desa, kecamatan (default: the statistics' level)")] = None,
    reference: Annotated[str, typer.Option(
        help="dataset (the sum of the areas) or province (a kabupaten table's sum)")]
    = "dataset",
    variant: Annotated[str, typer.Option(help="shift-share: classic or esteban")] = "classic",
    growth: Annotated[str, typer.Option(
        help="average growth: mean (of yearly rates) or cagr")] = "mean",
    convention: Annotated[str, typer.Option(
        help="dlq quadrant names: default (SLQ<=1, DLQ>1 is prospektif) or angelina (that "
             "quadrant is andalan)")] = "default",
    out_path: Annotated[Path, typer.Option(
        "--out", help=".csv .gpkg .geojson .parquet (.zip shapefile)")] = Path("analysis.csv"),
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace an existing file")]
    = True,
    scenario: ScenarioOpt = None,
) -> None:
    """Planning methods on the statistics: SLQ, DLQ and quadrants, shift-share, Klassen.

    With ``--scenario`` the measure and period come from its ``[statistics]`` (unless given)
    and the output names the scenario and run hash.
    """
    from unggulan.core.ranking.run import default_scenario

    ds = _open(data)
    sc = _load_scenario(scenario, ds)
    stats = sc.statistics if sc is not None else None
    measure = measure or (stats.measure if stats else None) or "production"
    period = period or (stats.period if stats else None)
    opts = {"variant": variant} if method == "shift-share" else (
        {"growth": growth} if method in ("dlq", "klassen") else {})
    if method == "dlq" or convention != "default":  # refused for other methods
        opts["convention"] = convention
    frame = ds.analysis(method, measure=measure, period=period, level=level,
                        reference=reference, **opts)
    run = sc if sc is not None else default_scenario(measure=measure, period=period)
    lv = frame["level"].iat[0] if len(frame) else level
    meta = {**ds.layer_metadata("analysis", lv, run), "method_analysis": method,
            "measure": measure, "period": period or "all", **opts}
    areas = ds.areas(lv) if "code" in frame and lv in ds.levels else None
    _write_table(frame, out_path, areas, overwrite=overwrite, metadata=meta)
    _print_run(meta)


@cli.command()
@exit_on_error()
def backtest(
    until: Annotated[int, typer.Option(
        "--until", help="last year kept: proposals from the years up to it, later years judge")],
    data: DataOpt = None,
    horizon: Annotated[int | None, typer.Option(
        "--horizon", min=1, help="years judged after --until (default: all later years)")]
    = None,
    top: Annotated[int, typer.Option("--top", min=1, help="marks per area (K)")] = 3,
    level: Annotated[str | None, typer.Option(
        help="desa or kecamatan (default: the statistics' level)")] = None,
    weights: Annotated[str | None, typer.Option(
        "--weights", help="e.g. specialisation=0.5,trend=0 (only the statistics components "
        "count: specialisation, scale, trend)")] = None,
    reference: Annotated[str, typer.Option(
        help="LQ reference region: kabupaten, dataset or province")] = "kabupaten",
    measure: Annotated[str | None, typer.Option(
        help="one statistics measure for every commodity (default: as propose)")] = None,
    share_weight: Annotated[float, typer.Option(
        "--share-weight", min=0.0, max=1.0,
        help="weight of the area's share of the dataset's output (a documented variant; "
             "default 0: the tool as propose scores)")] = 0.0,
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="write the table as CSV")] = None,
    marks_path: Annotated[Path | None, typer.Option(
        "--marks", help="write every mark (method, area, commodity, hits) as CSV")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the table as JSON")] = False,
) -> None:
    """Backtest (uji mundur): cut the statistics after --until, propose --top per area from
    what is left (statistics only) and count how often the marks hold later (SLQ > 1; among
    the commodity's top-5 producers), against last year's SLQ and persistence."""
    ds = _open(data)
    res = ds.backtest(until, horizon=horizon, top=top, level=level, weights=weights,
                      reference=reference, measure=measure, share_weight=share_weight)
    if as_json:
        sys.stdout.write(json.dumps(_strict_json(res.to_dict()), indent=2, ensure_ascii=False,
                                    allow_nan=False, default=str) + "\n")
    else:
        st = ds.statistics()
        synthetic = ds.synthetic or any(w in str(f).lower() for f in set(st["file"])
                                        for w in ("sintetis", "synthetic"))
        _print_backtest(res, synthetic)
    for path, frame in ((out_path, res.table), (marks_path, res.marks)):
        if path is not None:
            if path.suffix.lower() != ".csv":
                _fail(f"{path}: the backtest is written as .csv", 1)
            _write_table(frame, path)


def _print_backtest(res, synthetic: bool) -> None:
    def num(x) -> str:
        return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"

    title = (f"Uji mundur / backtest ({res.level}): usulan / proposed "
             f"{res.table['kept_years'].iat[0]}, dinilai / judged "
             f"{res.table['horizon_years'].iat[0]}, top {res.top}")
    if synthetic:
        title += " [yellow]statistik SINTETIS / SYNTHETIC[/]"
    t = Table(title=title)
    for c in ("method / metode", "areas", "marks", "SLQ > 1", f"top-{res.top_producers}",
              "mean / rerata"):
        t.add_column(c, justify="left" if c.startswith("method") else "right")
    for r in res.table.itertuples(index=False):
        t.add_row(f"{r.label_id} / {r.label_en}", str(r.areas), str(r.marks),
                  f"{r.rate_slq:.0%} ({num(r.hits_slq)}/{num(r.judged_slq)})",
                  f"{r.rate_top5:.0%} ({num(r.hits_top5)}/{num(r.judged_top5)})",
                  f"{r.rate_mean:.0%}")
    out.print(t)
    w = {k: v for k, v in res.weights.items() if v > 0}
    out.print("bobot alat / tool weights: " + ", ".join(f"{k}={v:g}" for k, v in w.items())
              + f"; reference {res.reference}", highlight=False)
    out.print("acak / random: expected rate of as many random marks from the same pairs; "
              "(hits/judged): no number later, not judged", highlight=False)


@cli.command()
@exit_on_error()
def export(
    data: DataOpt = None,
    layer: Annotated[str, typer.Option(
        help="areas, sentra, suitability, candidates, statistics or zones")]
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
    scenario: ScenarioOpt = None,
) -> None:
    """Export a layer for QGIS/ArcGIS (several layers can share one GeoPackage).

    The file names its scenario and run hash in the format's metadata (GeoPackage metadata,
    a GeoJSON member, Parquet schema metadata, README.txt in a shapefile zip, columns and a
    .metadata.json beside a CSV).
    """
    from unggulan.io.exports import write_layer

    ds = _open(data)
    sc = _load_scenario(scenario, ds, weights)
    gdf = ds.layer(layer, level, area=area, top=top, weights=weights, scenario=sc)
    name = layer if layer in ("sentra", "statistics") else f"{layer}_{level}"
    write_layer(gdf, out_path, layer=name, overwrite=overwrite)
    out.print(f"wrote {out_path} (layer {name}, {len(gdf)} features)")
    _print_run(gdf.attrs["unggulan"])


@cli.command()
@exit_on_error()
def zones(
    data: DataOpt = None,
    out_path: Annotated[Path, typer.Option(
        "--out", help=".gpkg .zip (shapefile) .geojson .csv .parquet")] = Path("kawasan.gpkg"),
    level: LevelOpt = "desa",
    commodity: Annotated[str | None, typer.Option(help="only this commodity's zones")] = None,
    weights: Annotated[str | None, typer.Option()] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace an existing file")]
    = False,
    scenario: ScenarioOpt = None,
) -> None:
    """Commodity zones (kawasan komoditas unggulan): contiguous desa or kecamatan where a
    commodity is a top candidate or in its hot spot on suitable land, with centre,
    organisations and production; thresholds from the scenario's [zones] table. Written
    with a QGIS style (.qml) like `unggulan export`."""
    from rich.table import Table

    from unggulan.io.exports import write_layer

    ds = _open(data)
    sc = _load_scenario(scenario, ds, weights)
    gdf = ds.layer("zones", level, weights=weights, scenario=sc, commodity=commodity)
    name = f"zones_{level}"
    write_layer(gdf, out_path, layer=name, overwrite=overwrite)
    t = Table("kawasan / zone", "status", level, "ha", "pusat / centre")
    for r in gdf.head(30).itertuples():
        t.add_row(f"{r.zone_id} ({r.commodity_name_id})", r.status, str(r.n_members),
                  f"{r.area_ha:,.0f}", f"{r.centre_name} ({r.centre_basis})")
    out.print(t)
    if len(gdf) > 30:
        out.print(f"... {len(gdf) - 30} more / lainnya", highlight=False)
    counts = gdf["status"].value_counts().to_dict()
    out.print(f"wrote {out_path} (layer {name}, {len(gdf)} zones: {counts.get('kawasan', 0)} "
              f"kawasan, {counts.get('embrio', 0)} embrio)", highlight=False)
    _print_run(gdf.attrs["unggulan"])


@cli.command("map")
@exit_on_error()
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
    view: Annotated[str, typer.Option(
        help="commodity view: class, score or quadrant (SLQ x DLQ)")] = "class",
    basemap: Annotated[str, typer.Option(help="osm or plain")] = "osm",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace an existing file")]
    = False,
    scenario: ScenarioOpt = None,
) -> None:
    """Write the web map as one HTML file that opens offline (scripts inlined); its footer
    names the scenario and run hash."""
    from unggulan.io.exports import check_target, write_text
    from unggulan.maps.pages import PageOptions, commodity_map, main_map, render

    ds = _open(data)
    sc = _load_scenario(scenario, ds, weights)
    check_target(out_path, overwrite)  # before the map is built
    opt = PageOptions(lang=lang, weights=weights, top=top, inline=True, basemap=basemap,
                      scenario=sc)
    m = commodity_map(ds, commodity, view, level, opt) if commodity else \
        main_map(ds, level, opt)
    html = render(m)
    write_text(out_path, html, overwrite)
    out.print(f"wrote {out_path} ({len(html.encode()) / 1e6:.2f} MB)")


@cli.command()
@exit_on_error()
def brief(
    data: DataOpt = None,
    area: Annotated[str, typer.Option(
        "--area", help="a kecamatan code, or a kabupaten code for a whole kabupaten")] = "",
    out_path: Annotated[Path, typer.Option("--out", help="the brief: .pdf or .html")]
    = Path("brief.pdf"),
    lang: Annotated[str, typer.Option(help="id (Bahasa Indonesia) or en")] = "id",
    weights: Annotated[str | None, typer.Option(
        help="e.g. suitability=0.4,specialisation=0.3 (others keep defaults)")] = None,
    scenario: Annotated[str | None, typer.Option(
        help="a scenario file (.toml), or the id or name of a saved one; instead of "
             "--weights")] = None,
    top: Annotated[int, typer.Option(min=1, max=10, help="candidates per area")] = 3,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace an existing file")]
    = False,
) -> None:
    """A printable brief (PDF or HTML) of a kecamatan or a whole kabupaten, for planners."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from unggulan.io.exports import check_target
    from unggulan.reports import BriefOptions, write_brief

    if not area:
        _fail("give --area: a kecamatan code (73.08.01) or a kabupaten code (73.08)", 1)
    ds = _open(data)
    check_target(out_path, overwrite)  # before the work
    opt = BriefOptions(lang=lang, weights=weights, scenario=scenario, top=top)
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=err) as bar:
        task = bar.add_task("brief", total=None)

        def progress(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=escape(what))

        write_brief(ds, area, out_path, opt, overwrite=overwrite, progress=progress)
    out.print(f"wrote {out_path} ({out_path.stat().st_size / 1e6:.2f} MB)")


scenario_cli = typer.Typer(
    help="Scenarios (skenario): check a file's weights and AHP, compare aggregation methods, "
         "list the saved ones.",
    no_args_is_help=True,
)
cli.add_typer(scenario_cli, name="scenario")
ScenarioArg = Annotated[str, typer.Argument(
    help="a scenario file (.toml), or the id or name of a saved one")]


@scenario_cli.command("check")
@exit_on_error(1)
def scenario_check(scenario: ScenarioArg, data: DataOpt = None) -> None:
    """Print the scenario's weights (AHP weights, lambda max, CI, RI and CR when it has an
    \\[ahp] matrix) and its hash; exit 1 when it is refused (e.g. CR >= 0.10, naming the
    judgement to revisit)."""
    import tomllib

    from unggulan.core.ranking.ahp import ahp_weights
    from unggulan.core.ranking.run import resolve_scenario

    p = Path(scenario)
    raw: dict = {}
    if p.is_file():
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            raw = {}
    ahp = raw.get("ahp") if isinstance(raw.get("ahp"), dict) else None
    if ahp is not None:
        try:  # the matrix's weights and CR, shown even when the scenario is refused
            _print_ahp(ahp_weights(ahp.get("criteria", []), ahp.get("matrix", []),
                                   ahp.get("ri_table", "saaty1980")))
        except (UnggulanError, TypeError, ValueError):
            pass
    sc = resolve_scenario(scenario, data)
    if ahp is None and sc.ahp is not None:
        _print_ahp(sc.ahp_result())
    t = Table(title=f"Skenario / scenario: {escape(sc.name)}")
    t.add_column("weight / bobot")
    t.add_column("value", justify="right")
    t.add_column("share", justify="right")
    w = sc.weights_resolved()
    total = sum(w.values())
    for k, v in w.items():
        t.add_row(k, f"{v:.4g}", f"{v / total:.1%}")
    out.print(t)
    out.print(f"method {sc.method}, reference {sc.reference}, management {sc.management}, "
              f"top {sc.top}" + (f", commodities {', '.join(sc.commodities)}"
                                 if sc.commodities else ""))
    if sc.criteria:
        t = Table(title="Kriteria / criteria")
        for c in ("criterion", "evidence", "status"):
            t.add_column(c, overflow="fold")
        for c in sc.criteria.values():
            t.add_row(escape(f"{c.name_id} ({c.name_en})" if c.name_en else c.name_id),
                      ", ".join(c.evidence) or "-", c.status)
        out.print(t)
    out.print(f"content hash {sc.content_hash()}")
    out.print("[green]ok[/]: the scenario can be used.")


def _print_ahp(res) -> None:
    t = Table(title="AHP")
    t.add_column("criterion")
    t.add_column("weight", justify="right")
    for k, v in res.weights.items():
        t.add_row(k, f"{v:.4f}")
    out.print(t)
    verdict = "[green]consistent[/]" if res.consistent else "[red]not consistent[/]"
    out.print(f"lambda_max {res.lambda_max:.4f}, CI {res.ci:.4f}, RI {res.ri:.2f} "
              f"({escape(res.ri_source)}), CR {res.cr:.4f}: {verdict} (CR < 0.10)",
              highlight=False)


@scenario_cli.command("compare")
@exit_on_error()
def scenario_compare(
    scenario: ScenarioArg,
    data: DataOpt = None,
    level: LevelOpt = "desa",
    sample: Annotated[int | None, typer.Option(
        help="compare on this many areas drawn at random (seeded), e.g. for a national run")]
    = None,
    draws: Annotated[int, typer.Option(min=1, help="weight draws of the sensitivity check")]
    = 200,
    seed: Annotated[int, typer.Option(help="seed of the draws and of the sample")] = 12345,
) -> None:
    """Rank agreement between weighted sum, TOPSIS and VIKOR for the scenario's weights
    (Kendall's tau per area, summarised; share of areas with the same first candidate) and
    the sensitivity of each area's first candidate to the weights (+-20 %)."""
    from unggulan.core.ranking.run import STABILITY_SPREAD

    ds = _open(data)
    sc = _load_scenario(scenario, ds)
    table = ds.method_comparison(level, sc, sample_areas=sample, seed=seed)
    st = ds.area_stability(level, sc, draws=draws, seed=seed,
                           sample_areas=sample if sample is not None else None,
                           max_areas=10**9 if sample is None else 0)
    t = Table(title=f"Kesepakatan metode / method agreement: {escape(sc.name)} ({level})")
    for c in ("methods", "areas", "mean tau", "median tau", "same first"):
        t.add_column(c, justify="right" if c != "methods" else "left")
    for r in table.itertuples(index=False):
        t.add_row(f"{r.method_a} vs {r.method_b}", str(r.areas), f"{r.mean_tau:.3f}",
                  f"{r.median_tau:.3f}", f"{r.top1_share:.1%}")
    out.print(t)
    if st is not None and len(st):
        s = st["stability"]
        out.print(f"stabilitas / stability ({sc.method}, {draws} draws, each weight "
                  f"+-{STABILITY_SPREAD:.0%}, seed {seed}): {len(st)} areas, median "
                  f"{s.median():.0%}; first candidate stays first in >= 90 % of draws in "
                  f"{(s >= 0.9).mean():.0%} of the areas, in < 50 % in {(s < 0.5).mean():.0%}",
                  highlight=False)
        weak = st.sort_values(["stability", "code"]).head(5)
        if len(weak) and weak["stability"].iat[0] < 1:
            t = Table(title="Paling tidak stabil / least stable")
            for c in ("code", "first", "stability", "challenger"):
                t.add_column(c)
            for r in weak.itertuples(index=False):
                t.add_row(r.code, str(r.stability_top), f"{r.stability:.0%}",
                          str(r.stability_challenger or "-"))
            out.print(t)


@scenario_cli.command("list")
@exit_on_error()
def scenario_list(data: DataOpt = None) -> None:
    """The saved scenarios: DIR/scenarios/*.toml, then the bundled data/scenarios/*.toml."""
    from unggulan.core.ranking.run import saved_scenarios
    from unggulan.core.scenario import load_scenario

    t = Table(title="Skenario tersimpan / saved scenarios")
    for c in ("id", "name", "method", "source", "hash / problem"):
        t.add_column(c, overflow="fold")
    from unggulan.base.settings import Settings

    folder = data if data is not None else Settings().data_dir()
    for s in saved_scenarios(folder):
        try:
            sc = load_scenario(s.path)
            t.add_row(s.id, escape(sc.name), sc.method, s.source, sc.content_hash()[:12])
        except UnggulanError as exc:
            t.add_row(s.id, "-", "-", s.source, escape(getattr(exc, "detail", str(exc))))
    out.print(t)


@cli.command()
@exit_on_error()
def serve(
    data: DataOpt = None,
    host: Annotated[str | None, typer.Option(help="address to bind")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, help="worker processes; they share the results kept on disk "
        "(UNGGULAN_CACHE_DIR), so each result is computed once")] = 1,
    prepare: Annotated[bool | None, typer.Option(
        "--prepare/--no-prepare", help="each worker prepares every level's default "
        "candidates before it accepts requests (default: on, or UNGGULAN_PREPARE_ON_START)",
        show_default=False)] = None,
) -> None:
    """Start the HTTP service (uvicorn) on the dataset."""
    import os

    import uvicorn

    from unggulan.base.settings import Settings

    if data is not None:
        os.environ["UNGGULAN_DATA"] = str(data)
    if prepare is not None or "UNGGULAN_PREPARE_ON_START" not in os.environ:
        # the workers read it from the environment
        os.environ["UNGGULAN_PREPARE_ON_START"] = "0" if prepare is False else "1"
    settings = Settings()
    # the dataset's files hashed on a thread (sha256 leaves the interpreter free) while the
    # service's modules are imported: the opened dataset and results are keyed by contents
    _prehash(settings.data_dir())
    from unggulan.base.logs import ensure_logging
    from unggulan.core import snapshot

    # fail here, with a clear message, rather than inside uvicorn; read from the disk cache
    # when seen before, and with one worker (this process) the service takes this object
    ensure_logging(settings.log_level)
    snapshot.preopen(settings.data_dir(), settings, keep=workers == 1)
    try:
        uvicorn.run(
            "unggulan.api.main:create_app", factory=True, host=host or settings.host,
            port=port or settings.port, log_level=settings.log_level, workers=workers,
            # longer than clients keep idle connections, so the server never closes one that
            # a client is about to reuse (uvicorn's 5 s lost requests in the load test)
            timeout_keep_alive=75,
        )
    finally:
        snapshot.forget_preopened()


def _prehash(folder: Path) -> None:
    """Hash the files of a dataset folder on a daemon thread, into the process's digest cache
    (:func:`unggulan.io.cache.file_digest`)."""
    import threading

    from unggulan.io.cache import file_digest

    def work() -> None:
        try:
            for p in sorted(folder.rglob("*")):
                parts = p.relative_to(folder).parts
                if p.is_file() and parts[0] != "scenarios" and \
                        not any(x.startswith(".") for x in parts):
                    file_digest(p)
        except Exception:  # noqa: BLE001 - opening the dataset says what is wrong
            return

    threading.Thread(target=work, name="unggulan-prehash", daemon=True).start()


rasters_cli = typer.Typer(
    help="Agro-ecological rasters / raster agroekologi: fetch them from public sources.",
    no_args_is_help=True,
)
cli.add_typer(rasters_cli, name="rasters")


@rasters_cli.command("fetch")
@exit_on_error()
def rasters_fetch(
    data: DataOpt = None,
    sources: Annotated[Path | None, typer.Option(
        "--sources", help="TOML of [[source]] entries replacing or adding to the public "
        "defaults (data/raster_sources.toml): a mirror, a file share")] = None,
    buffer: Annotated[float, typer.Option("--buffer", help="km around the areas")] = 2.0,
    resolution: Annotated[float, typer.Option(
        "--resolution", help="cell size in m (rounded to whole arc-seconds)")] = 90.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the plan only")] = False,
    force: Annotated[bool, typer.Option("--force", help="fetch again what was fetched")] = False,
    attribute: Annotated[list[str] | None, typer.Option(
        "--attribute", help="only these layers (repeatable)")] = None,
    retries: Annotated[int, typer.Option("--retries", help="retries per file")] = 3,
    max_mb: Annotated[float, typer.Option(
        "--max-mb", help="refuse a fetch estimated above this many MB")] = 2048.0,
) -> None:
    """Fetch elevation, slope, rainfall, wet/dry months and soil layers for the dataset's
    areas into DIR/agroecology/ (COGs with provenance); exit 1 if any layer failed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from unggulan.core.inputs.fetch_layers import run_fetch

    ds = _open(data)
    plan = ds.fetch_rasters(sources, buffer_km=buffer, resolution_m=resolution,
                            dry_run=True, force=force, attributes=attribute or None)
    g = plan.grid
    out.print(f"Grid / grid: EPSG:4326, {g.arcsec}″ cells ({g.width} x {g.height}), lon "
              f"{g.bounds[0]:.4f} to {g.bounds[2]:.4f}, lat {g.bounds[1]:.4f} to "
              f"{g.bounds[3]:.4f} (areas + {plan.buffer_km:g} km)", highlight=False)
    t = Table(title="Lapisan / layers")
    for c in ("attribute", "file", "action", "from"):
        t.add_column(c, overflow="fold")
    for lp in plan.layers:
        t.add_row(lp.attribute, lp.path.name, lp.action + (f" ({lp.reason})" if lp.reason
                                                           else ""), ", ".join(lp.needs))
    out.print(t)
    t = Table(title="Sumber / sources (estimate: uncompressed windows)")
    for c in ("source", "product", "files", "MB", "url"):
        t.add_column(c, overflow="fold")
    for name in plan.needed_sources:
        s, (n, b) = plan.sources[name], plan.estimates[name]
        t.add_row(name, escape(s.product), str(n), f"{b / 1e6:,.1f}", escape(s.url))
    out.print(t)
    out.print(f"about {plan.total_bytes / 1e6:,.1f} MB to read", highlight=False)
    for note in plan.notes:
        out.print(f"[yellow]note[/]: {escape(note)}", highlight=False)
    if dry_run or not plan.to_fetch:
        out.print("nothing to fetch" if not plan.to_fetch else "dry run: nothing fetched")
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=False) as bar:
        tasks: dict[str, int] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done)

        with exit_on_error(1):
            result = run_fetch(plan, retries=retries, max_mb=max_mb, progress=progress)
    for prov in result.written.values():
        out.print(f"[green]wrote[/] {plan.folder / 'agroecology' / prov['file']} "
                  f"({escape(prov.get('product') or '')})", highlight=False)
    for name, why in result.source_errors.items():
        err.print(f"[red]source failed[/] {name}: {escape(why)}", highlight=False,
                  soft_wrap=True)
    if result.failed:
        err.print(f"[red]not fetched[/]: {', '.join(result.failed)}", highlight=False)
        raise typer.Exit(1)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
