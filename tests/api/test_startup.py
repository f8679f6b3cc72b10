"""A fresh service (#34): the plan, estimate and progress of the preparation in its log, and a
second start over the same dataset reads the opened dataset and the candidates from the disk
cache, with the same answers."""

from __future__ import annotations

import logging
import re

from fastapi.testclient import TestClient

from tests.conftest import BUNDLED
from unggulan.api import startup
from unggulan.api.main import create_app
from unggulan.base.settings import Settings
from unggulan.maps.tiles import tile_of


def _start(caplog, cache):
    """Start a preparing service on the bundled dataset with ``cache`` as its disk cache;
    its log lines, the answers of one desa's candidates and of the tile holding it."""
    caplog.clear()
    settings = Settings(data=BUNDLED, cache_dir=cache, prepare_on_start=True)
    with caplog.at_level(logging.INFO, logger="unggulan"), \
            TestClient(create_app(settings)) as client:
        ds = client.app.state.holder.dataset
        code = str(ds.areas("desa").index[0])
        p = ds.areas("desa").geometry.iloc[0].representative_point()
        x, y = tile_of(p.x, p.y, 10)
        cands = client.get(f"/api/v1/areas/{code}/candidates", params={"level": "desa"})
        tile = client.get(f"/tiles/desa/10/{x}/{y}.mvt")
    assert cands.status_code == tile.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("unggulan")]
    return lines, cands.json(), tile.content


def test_fresh_service_logs_plan_estimate_and_steps_then_starts_from_the_disk_cache(
        caplog, tmp_path):
    lines, cands, tile = _start(caplog, tmp_path)
    text = "\n".join(lines)
    # never seen: opened and kept, then the plan with an estimate, one line per step
    assert re.search(r"dataset .* not seen before: opening \d+ files \(\d+ MB besides the "
                     r"rasters\), about \d+ s", text), text
    assert re.search(r"dataset .* opened in [\d.]+ s and kept in the disk cache", text), text
    plan = next(line for line in lines if line.startswith("preparing the default candidates"))
    assert "desa 64" in plan and "kecamatan" in plan
    assert "not seen before, computed now" in plan
    assert re.search(r"estimate \d+ s$", plan), plan
    steps = [line.strip() for line in lines if re.match(r"\s*step \d+/\d+: ", line)]
    assert [s.split(": ")[0].split(", ")[0] for s in steps] == [
        f"step {i}/6" for i in range(1, 7)]
    assert [s.split(", ")[1].split(":")[0] for s in steps] == [
        "attributes", "suitability", "candidates"] * 2
    assert "64 areas x" in steps[0] and "rasters" in steps[0]
    assert "sentra" in steps[2] and "statistics rows" in steps[2]
    done = [line.strip() for line in lines if re.match(r"\s*step \d+/\d+ done: ", line)]
    assert len(done) == 6
    assert all(re.search(r" in [\d.]+ s \(\d+ s of about \d+ s\)$", d) for d in done), done
    assert re.search(r"default candidates of desa, kecamatan ready in [\d.]+ s", text)
    assert list((tmp_path / "datasets").glob("*.pickle"))

    # seen before: the dataset and both levels' candidates come from the disk cache
    again, cands2, tile2 = _start(caplog, tmp_path)
    text2 = "\n".join(again)
    assert re.search(r"dataset .* read from the disk cache in [\d.]+ s", text2), text2
    plan2 = next(line for line in again if line.startswith("preparing the default"))
    assert "every level from the disk cache" in plan2
    steps2 = [line.strip() for line in again if re.match(r"\s*step \d+/\d+: ", line)]
    assert [s.split(", ")[1].split(":")[0] for s in steps2] == ["read", "read"]
    assert cands2 == cands and len(cands["candidates"]) > 0
    assert tile2 == tile and len(tile) > 0


def test_snapshot_is_the_opened_dataset(tmp_path, demo):
    """What the disk cache gives back is the dataset Dataset.open gives: the same layers,
    sentra, statistics and problems, the same input hash and candidates."""
    settings = Settings(cache_dir=tmp_path)
    first = startup.open_snapshot(BUNDLED, settings)
    read = startup.open_snapshot(BUNDLED, settings)
    assert read is not first
    for level in demo.levels:
        assert read.areas(level).equals(demo.areas(level))
    assert read.sentra().equals(demo.sentra())
    assert read.statistics_frame().equals(demo.statistics_frame())
    assert read.problems == demo.problems and read.rasters.keys() == demo.rasters.keys()
    assert read.inputs_hash() == demo.inputs_hash()
    assert read.candidates("kecamatan").equals(demo.candidates("kecamatan"))


def test_a_changed_file_opens_the_folder_again(tmp_path):
    """The opened dataset is keyed by the folder's file contents: another content is opened
    from the files, not read back."""
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(BUNDLED, folder, ignore=shutil.ignore_patterns("scenarios"))
    settings = Settings(cache_dir=tmp_path / "cache")
    a = startup.open_snapshot(folder, settings)
    toml = folder / "dataset.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(a.config.name, "Renamed"),
                    encoding="utf-8")
    b = startup.open_snapshot(folder, settings)
    assert b.config.name == "Renamed" != a.config.name
    assert len(list((tmp_path / "cache" / "datasets").glob("*.pickle"))) == 2


def test_after_start_the_tiles_index_and_every_areas_answer_are_made(caplog, tmp_path,
                                                                      monkeypatch):
    """A level drawn from tiles gets its tile polygons beside the preparation and its top
    candidates after it; a level too large to make every area's answer before the start gets
    them after it, on a thread (here with the bundled dataset's 64 desa made "large")."""
    import threading

    from unggulan.api.routes_areas import (
        _area_candidates_response,
        finish_default,
        prepare_default,
    )
    from unggulan.core.ranking.run import default_scenario
    from unggulan.maps.tiles import tile_source

    monkeypatch.setattr(startup, "RECORDS_AT_START", 10)
    ds = startup.open_snapshot(BUNDLED, Settings(cache_dir=tmp_path))
    prepared = threading.Event()
    with caplog.at_level(logging.INFO, logger="unggulan"):
        thread = finish_default(ds, 10, prepared)
        prepare_default(ds)
        last = str(ds.areas("desa").index[-1])
        # before the thread's turn: the desa answers are made when asked (none asked yet)
        assert _area_candidates_response(ds, last, "desa", 3, None, None, True) is None
        prepared.set()
        thread.join(60)
    assert not thread.is_alive()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "beside the preparation: desa vector tile polygons ready" in text
    assert "after start: kecamatan vector tiles ready" in text
    assert re.search(r"after start: desa answers of 64 areas ready in [\d.]+ s", text), text
    assert _area_candidates_response(ds, last, "desa", 3, None, None, True) is not None
    src = tile_source(ds, "desa", default_scenario(None, top=3))
    assert len(src.props) == 64 and all("top1" in p for p in src.props)
    # nothing to do for a small dataset drawn without tiles
    monkeypatch.setattr(startup, "RECORDS_AT_START", 20_000)
    assert finish_default(ds, 20_000, prepared) is None
