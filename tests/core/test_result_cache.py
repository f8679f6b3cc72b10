"""Candidates kept on disk: a new process (here: a second Dataset) reads them back instead of
computing them; a damaged file is recomputed; other inputs or arguments get other files."""

from __future__ import annotations

import json

import pandas as pd


def test_candidates_are_read_back_from_disk(tmp_path, monkeypatch):
    from unggulan import Dataset
    from unggulan.core.ranking import candidates

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
    from unggulan import Dataset

    monkeypatch.setenv("UNGGULAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("UNGGULAN_NO_CACHE", "1")
    Dataset.open().candidates("kecamatan", top=1)
    assert not (tmp_path / "cache" / "results").exists()


def test_results_in_memory_are_bounded_least_recently_used_first(monkeypatch, tmp_path):
    """A service asked for many weightings keeps at most UNGGULAN_RESULTS_IN_MEMORY candidate
    results (with their per-area records); the least recently used goes first, and asking
    for it again gives the same answer (from the disk cache)."""
    from unggulan import Dataset

    monkeypatch.setenv("UNGGULAN_RESULTS_IN_MEMORY", "2")
    monkeypatch.setenv("UNGGULAN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("UNGGULAN_NO_CACHE", raising=False)
    ds = Dataset.open()
    code = ds.areas("kecamatan").index[0]
    weightings = ["suitability=1", "specialisation=1", "scale=1"]
    first = ds.area_candidate_records(code, "kecamatan", weights=weightings[0])

    ds.area_candidate_records(code, "kecamatan", weights=weightings[1])
    ds.area_candidate_records(code, "kecamatan", weights=weightings[0])  # used again: recent
    ds.area_candidate_records(code, "kecamatan", weights=weightings[2])  # the 2nd goes
    weights_kept = [k for k in ds._cache if isinstance(k, tuple) and k[0] == "candidates"]
    assert len(weights_kept) == 2
    # the 1st (used again) and the 3rd are kept, each with one component at full weight
    # (a result's key holds the ranking part of its scenario as canonical JSON)
    kept = [json.loads(k[2])["weights"] for k in weights_kept]
    assert sorted(max(w, key=w.get) for w in kept) == ["scale", "suitability"]
    assert sum(1 for k in ds._cache if isinstance(k, tuple)
               and k[0] == "candidate_records") == 2
    # asked again: the same answer, and the least recent (the 1st) goes now
    again = ds.area_candidate_records(code, "kecamatan", weights=weightings[1])
    assert again == Dataset.open().area_candidate_records(code, "kecamatan",
                                                          weights=weightings[1])
    assert ds.area_candidate_records(code, "kecamatan", weights=weightings[0]) == first
