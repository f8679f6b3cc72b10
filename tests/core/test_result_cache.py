"""Candidates kept on disk: a new process (here: a second Dataset) reads them back instead of
computing them; a damaged file is recomputed; other inputs or arguments get other files."""

from __future__ import annotations

import pandas as pd


def test_candidates_are_read_back_from_disk(tmp_path, monkeypatch):
    from app import Dataset
    from app.core import candidates

    monkeypatch.setenv("UNGGULAN_CACHE_DIR", str(tmp_path / "cache"))
    first = Dataset.open().candidates("kecamatan", top=2)
    files = list((tmp_path / "cache" / "results").glob("candidates-*.pickle"))
    assert len(files) == 1

    def fail(*a, **k):
        raise AssertionError("computed again instead of read from disk")

    monkeypatch.setattr(candidates, "propose", fail)
    again = Dataset.open().candidates("kecamatan", top=2)
    pd.testing.assert_frame_equal(first, again)
    monkeypatch.undo()

    monkeypatch.setenv("UNGGULAN_CACHE_DIR", str(tmp_path / "cache"))
    files[0].write_bytes(b"\x80\x04 truncated")  # a process killed while writing, say
    rebuilt = Dataset.open().candidates("kecamatan", top=2)
    pd.testing.assert_frame_equal(first, rebuilt)
    Dataset.open().candidates("kecamatan", top=2, weights="market=0.5")
    assert len(list((tmp_path / "cache" / "results").glob("candidates-*.pickle"))) == 2


def test_no_disk_cache_when_switched_off(tmp_path, monkeypatch):
    from app import Dataset

    monkeypatch.setenv("UNGGULAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("UNGGULAN_NO_CACHE", "1")
    Dataset.open().candidates("kecamatan", top=1)
    assert not (tmp_path / "cache" / "results").exists()
