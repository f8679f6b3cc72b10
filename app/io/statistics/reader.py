"""The entry point: :func:`read_statistics` reads a file's grids, finds its tables, plans
them, guesses the decimal convention once per file and builds each table."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

from unggulan.base.errors import DatasetError
from unggulan.base.problems import Problem
from unggulan.io.statistics.build import build_tables
from unggulan.io.statistics.cells import guess_decimal
from unggulan.io.statistics.grids import read_grids
from unggulan.io.statistics.model import StatisticsOptions, StatTable
from unggulan.io.statistics.plan import Plan, plan_table
from unggulan.io.statistics.tables import split_tables


def read_statistics(path: Path | str, options: StatisticsOptions | None = None
                    ) -> list[StatTable]:
    """Read a BPS/dinas statistics file (CSV, TSV, XLSX) into long records, table by table.

    Parameters
    ----------
    path : Path
        The file.
    options : StatisticsOptions, optional
        What to use instead of a guess (from ``[[statistics]]`` in dataset.toml).

    Returns
    -------
    list of StatTable
        One per table found (a CSV holds one, a workbook one or more per sheet).

    Raises
    ------
    DatasetError
        The file is missing, empty, unreadable, or holds no table of numbers.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ternak.csv"
    >>> _ = p.write_text("kode_kecamatan,jenis_ternak,tahun,populasi_ekor\\n"
    ...                  "730801,Sapi Potong,2018,6540\\n730801,Kerbau,2018,-\\n")
    >>> t = read_statistics(p)[0]
    >>> t.layout, t.area_level
    ('long', 'kecamatan')
    >>> t.records[["area_code", "commodity_raw", "measure", "unit", "year", "value"]].values.tolist()
    [['730801', 'Sapi Potong', 'population', 'ekor', 2018, 6540.0], ['730801', 'Kerbau', 'population', 'ekor', 2018, 0.0]]
    """  # noqa: E501
    path = Path(path)
    opts = options or StatisticsOptions()
    if not path.exists():
        raise DatasetError("file not found", path=path)
    if path.stat().st_size == 0:
        raise DatasetError("the file is empty (0 bytes)", path=path)
    if path.suffix.lower() == ".pdf":   # BPS "Dalam Angka" books (unggulan.io.pdf_tables)
        # imported here: pdf_tables imports this package (its model) at its top
        from unggulan.io.pdf_tables import read_pdf_statistics

        return read_pdf_statistics(path, opts)
    if opts.header_rows is not None and not 1 <= opts.header_rows <= 3:
        raise DatasetError("header_rows must be 1, 2 or 3", path=path, field="header_rows")
    if opts.decimal not in (None, ".", ","):
        raise DatasetError("decimal must be '.' or ','", path=path, field="decimal")
    with _collector_paused():
        return _read_tables(path, opts)


@contextmanager
def _collector_paused():
    """Python's cycle collector paused while a file is read: reading makes millions of small
    objects (cells, tuples, lists) and no reference cycles, and each automatic collection
    walks them all again (a quarter of the time of a 500,000-row table). Restarted after,
    when it was running."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _read_tables(path: Path, opts: StatisticsOptions) -> list[StatTable]:
    """The tables of a CSV or spreadsheet (the options checked)."""
    file_guessed: dict[str, str] = {}
    grids = read_grids(path, opts, file_guessed)
    plans: list[Plan] = []
    skipped: list[Problem] = []
    for grid in grids:
        if not grid.rows:
            continue
        for block in split_tables(grid, opts):
            plan = plan_table(grid, block, path, opts)
            if plan.skip:
                skipped.extend(plan.problems)
                continue
            plans.append(plan)
    if not plans:
        why = "; ".join(p.message for p in skipped[:3])
        raise DatasetError("no statistics table found (a header with an area column, then rows "
                           "of numbers)" + (f": {why}" if why else ""), path=path)
    if opts.decimal:
        decimal = opts.decimal
    else:
        texts = [v for plan in plans for r in plan.block.body for c in plan.values
                 if isinstance(v := plan.grid.rows[r][c.idx], str)]
        decimal, why = guess_decimal(texts)
        file_guessed["decimal"] = why
    tables = [t for plan in plans for t in build_tables(plan, path, opts, decimal, file_guessed)]
    if skipped:
        tables[0].problems[:0] = skipped
    return tables
