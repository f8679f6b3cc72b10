"""`unggulan propose --partitions N` writes the same file as the single-process run."""

from __future__ import annotations

from typer.testing import CliRunner

from unggulan.cli import cli


def test_propose_in_partitions_writes_the_same_file(bone_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("UNGGULAN_NO_CACHE", "1")  # both runs compute
    monkeypatch.setenv("UNGGULAN_DASK_SCHEDULER", "synchronous")
    one, parts = tmp_path / "one.csv", tmp_path / "parts.csv"
    args = ["propose", "--data", str(bone_dir), "--level", "desa", "--long"]
    r1 = CliRunner().invoke(cli, [*args, "--out", str(one)])
    r2 = CliRunner().invoke(cli, [*args, "--out", str(parts), "--partitions", "3"])
    assert r1.exit_code == 0, r1.output
    assert r2.exit_code == 0, r2.output
    text = one.read_text()
    assert len(text.splitlines()) > 372  # every desa, three candidates each
    assert parts.read_text() == text


def test_partitions_must_be_positive(bone_dir, tmp_path):
    r = CliRunner().invoke(cli, ["propose", "--data", str(bone_dir), "--partitions", "0",
                                 "--out", str(tmp_path / "x.csv")])
    assert r.exit_code != 0
    assert "partitions" in r.output
