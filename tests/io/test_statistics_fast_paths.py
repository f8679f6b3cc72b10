"""The statistics reader's shortcuts for big tables (#34) give what the plain path gives."""

from __future__ import annotations

import gc

import pytest

from unggulan.base.errors import DatasetError
from unggulan.io.statistics import read_statistics
from unggulan.io.statistics.cells import per_value


def test_rows_keep_their_line_numbers_after_a_quoted_line_break(tmp_path):
    # the header's cells hold line breaks: the CSV's records no longer are its lines, and a
    # row's number is the line it starts on
    path = tmp_path / "produksi.csv"
    path.write_text('Tabel 1. Produksi Padi Menurut Kecamatan, 2023\n'
                    '"Kecamatan";"Produksi\n(ton)";"Luas Panen\n(ha)"\n'
                    'Tonra;1.234,5;12\n"Mare\nBaru";x;3\nJumlah;1.234,5;15\n')
    table = read_statistics(path)[0]
    rec = table.records
    assert rec["row"].tolist() == [5, 5, 6, 6]
    assert rec["area_raw"].tolist() == ["Tonra", "Tonra", "Mare\nBaru", "Mare\nBaru"]
    assert table.totals[0]["row"] == 8 and table.totals[0]["label"] == "Jumlah"


def test_rows_are_numbered_by_line_in_a_plain_csv(tmp_path):
    path = tmp_path / "ternak.csv"
    path.write_text("kode_kecamatan,jenis_ternak,tahun,populasi_ekor\n\n"
                    "730801,Sapi Potong,2018,6540\n730801,Kerbau,2018,-\n")
    assert read_statistics(path)[0].records["row"].tolist() == [3, 4]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_is_left_as_it_was(tmp_path, enabled):
    good = tmp_path / "produksi 2023.csv"
    good.write_text("Kecamatan;Padi (ton)\nTonra;12\nMare;3\n")
    bad = tmp_path / "kosong.csv"
    bad.write_text("Catatan: tidak ada tabel\n")
    try:
        gc.enable() if enabled else gc.disable()
        assert len(read_statistics(good)[0].records) == 2
        assert gc.isenabled() is enabled
        with pytest.raises(DatasetError):
            read_statistics(bad)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_per_value_computes_once_per_type_and_value():
    calls = []

    def f(v):
        calls.append(v)
        return repr(v)

    once = per_value(f)
    assert [once(v) for v in ["1", "1", 1, 1.0, True, "1"]] == \
        ["'1'", "'1'", "1", "1.0", "True", "'1'"]
    assert calls == ["1", 1, 1.0, True]       # 1, 1.0 and True are equal but not the same cell
    assert once([1]) == "[1]" and once([1]) == "[1]"   # unhashable: computed each time
    assert calls[-2:] == [[1], [1]]


def _cell_variety() -> list[object]:
    """Cells of every kind a value column holds: plain numbers in both conventions, groups,
    marks, none markers, blanks, signs, Unicode digits, spaces, numbers from a spreadsheet."""
    import random

    rng = random.Random(34)
    cells: list[object] = ["0", "00", "007", "12", "1.234", "1,234", "0,5", "0.5", "1234.5",
                           "1234,5", "20.244,9", "1,234.5", "1.234.567", "-", "–", "...", "x",
                           "", " ", " 12 ", "12 r)", "1.234*", "+5", "-3.5", "١٢", "1 234",
                           "12,5a", "n/a", "99999999999999999999.5", None]
    for _ in range(3000):
        a = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 7)))
        b = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 4)))
        cells += [a, f"{a}.{b}", f"{a},{b}"]
    return cells


@pytest.mark.parametrize("decimal", [".", ","])
def test_the_columnar_number_pass_reads_each_cell_as_parse_value_does(decimal):
    from unggulan.io.statistics.cells import COLUMNAR_CELLS, parse_cells, parse_value

    cells = _cell_variety()
    assert len(cells) >= COLUMNAR_CELLS          # the columnar pass runs
    values, statuses, marks = parse_cells(cells, decimal)
    expected = [parse_value(v, decimal) for v in cells]
    got = list(zip(values, statuses, marks))
    assert len(got) == len(expected)
    for cell, g, e in zip(cells, got, expected):
        same_value = g[0] == e[0] or (g[0] != g[0] and e[0] != e[0])   # NaN is NaN
        assert same_value and g[1:] == e[1:], (cell, g, e)
    # a spreadsheet's numbers (not text): read cell by cell, the same
    mixed = [1.5, 2, "3,5"] * (COLUMNAR_CELLS // 3 + 1)
    assert parse_cells(mixed, decimal) == tuple(
        list(x) for x in zip(*[parse_value(v, decimal) for v in mixed]))


def test_row_kinds_agree_with_the_full_rules():
    from unggulan.io.statistics.tables import _row_kind, row_kinds

    rows = [["730801", "Padi", "2018", "12,5"], ["(1)", "(2)", "(3)", "(4)"],
            ["1", "2", "3", "4"], ["", "", "", ""], ["Kecamatan", "2022", "2023", ""],
            ["Sumber: BPS", "", "", ""], ["Tabel 1. Produksi Padi Menurut Kecamatan", "2023",
                                          "", ""], ["Tonra", "-", "...", "x"],
            ["2022", "2023", "", ""], [7308, "Padi", 2018.0, 12.5], [1, 2, 3, None],
            ["Jumlah", "1.234", "", ""], ["12", "Padi", "", ""]]
    assert row_kinds(rows) == [_row_kind(r) for r in rows]


@pytest.mark.parametrize("extra", [[], ["2.165"] * 6000, ["1,893"] * 6000, ["62,44"] * 7000])
def test_the_columnar_decimal_guess_counts_as_the_cell_by_cell_one(monkeypatch, extra):
    from unggulan.io.statistics import cells

    texts = [c for c in _cell_variety() if isinstance(c, str)] + extra
    assert len(texts) >= cells.COLUMNAR_CELLS
    columnar = cells.guess_decimal(texts)
    monkeypatch.setattr(cells, "COLUMNAR_CELLS", 10**9)     # cell by cell
    assert columnar == cells.guess_decimal(texts)


def test_the_columnar_column_counts_agree_with_the_cell_by_cell_ones(monkeypatch):
    from unggulan.io.statistics import plan
    from unggulan.io.statistics.plan import Column, _column_stats

    texts = [c for c in _cell_variety() if isinstance(c, str)]
    # years, Excel date serials, codes (plain and dotted) and names among the numbers
    texts += ["2018", "2018.0", "1999.00", "2101", "44197", "44197.0", "18263", "73416",
              "730801", "73.08.01", "7308", "16.8", "1610.8", "Tonra", "Kec. Mare"] * 3
    body = [[t, "x"] for t in texts]
    cols = [Column(0, "nilai", []), Column(1, "ket", [])]
    columnar = _column_stats(cols, body)
    monkeypatch.setattr(plan, "COLUMNAR_CELLS", 10**9)      # cell by cell
    assert columnar == _column_stats(cols, body)
    assert columnar[0]["year"] > 0 and columnar[0]["serial"] > 0 and columnar[0]["code"] > 0
