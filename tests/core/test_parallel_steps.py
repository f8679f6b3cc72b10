"""Independent steps in forked processes (#34): the activity beside the land, the candidates
of blocks of areas side by side. The results must be those of one process."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from unggulan.base import parallel
from unggulan.base.parallel import in_background, in_blocks
from unggulan.core import dataset as dataset_mod
from unggulan.core.ranking import candidates as cand_mod
from unggulan.core.ranking.candidates import area_blocks, propose
from unggulan.core.ranking.run import default_scenario

needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="fork is Linux-only here")


def _pid(_=None):
    return os.getpid()


def _fail(message):
    raise ValueError(message)


@needs_fork
def test_background_step_runs_in_another_process_and_returns_its_value():
    big = np.arange(2_000_000)  # seen by the child through fork, not pickled
    assert in_background(np.sum, big, workers=2).result() == big.sum()
    assert in_background(_pid, workers=2).result() != os.getpid()
    assert in_background(_pid, workers=1).result() == os.getpid()


@needs_fork
def test_background_step_error_is_raised_where_the_value_is_asked_for():
    job = in_background(_fail, "rows 3-5: no code", workers=2)
    with pytest.raises(ValueError, match="rows 3-5: no code"):
        job.result()
    with pytest.raises(ValueError, match="here too"):
        in_background(_fail, "here too", workers=1).result()


@needs_fork
def test_blocks_keep_their_order_and_the_first_is_computed_here():
    pids = in_blocks(_pid, [0, 1, 2], workers=2)
    assert pids[0] == os.getpid() and len(set(pids)) == 3
    assert in_blocks(lambda b: b * 10, [3, 1, 2], workers=2) == [30, 10, 20]


@pytest.mark.parametrize("categorical", [False, True])
@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_area_blocks_hold_whole_areas_in_code_order(categorical, n):
    rng = np.random.default_rng(n)
    codes = rng.choice([f"73.08.{k:02d}" for k in range(1, 12)], size=200)
    ev = pd.DataFrame({"code": codes, "x": np.arange(200)})
    if categorical:
        ev["code"] = pd.Categorical(codes, categories=sorted(set(codes)))
    blocks = area_blocks(ev, n)
    rows = np.concatenate(blocks)
    assert sorted(rows.tolist()) == list(range(200))  # every row once
    seen = [set(ev["code"].astype(str).to_numpy()[b]) for b in blocks]
    for i in range(len(seen)):
        for j in range(i + 1, len(seen)):
            assert not seen[i] & seen[j]  # an area in one block only
            assert max(seen[i]) < min(seen[j])  # blocks in the codes' order
    assert len(blocks) <= n
    for b in blocks:
        assert (np.diff(b) > 0).all()  # each block's rows in the frame's order


@needs_fork
def test_propose_in_blocks_equals_one_process(bone, monkeypatch):
    monkeypatch.setattr(cand_mod, "PARALLEL_ROWS", 0)
    sc = default_scenario(top=3)
    args = (bone.evidence("desa", sc), bone.areas("desa"), bone.attributes("desa"),
            bone.requirements, bone.catalogue, sc)
    one = propose(*args, level="desa")
    for workers in (2, 3):
        pd.testing.assert_frame_equal(propose(*args, level="desa", workers=workers), one)


@needs_fork
def test_dataset_with_two_workers_gives_the_same_candidates(bone_dir, monkeypatch):
    """The activity (statistics, sentra) computed in a child while the land is assessed,
    and the candidates in two blocks: the same frame as one process."""
    from unggulan import Dataset
    from unggulan.base.settings import Settings

    monkeypatch.setattr(dataset_mod, "PARALLEL_MIN_AREAS", 0)
    monkeypatch.setattr(cand_mod, "PARALLEL_ROWS", 0)
    one = Dataset.open(bone_dir, settings=Settings(no_cache=True, workers=1))
    two = Dataset.open(bone_dir, settings=Settings(no_cache=True, workers=2))
    assert two._workers("desa") == 2
    pd.testing.assert_frame_equal(two.evidence("kecamatan"), one.evidence("kecamatan"))
    pd.testing.assert_frame_equal(two.candidates("desa"), one.candidates("desa"))


def _sleep_long():
    import time

    time.sleep(60)
    return "late"


@needs_fork
def test_a_cancelled_background_step_stops_its_process():
    job = in_background(_sleep_long, workers=2)
    process = job._process
    assert process.is_alive()
    job.cancel()
    assert not process.is_alive()
    with pytest.raises(RuntimeError, match="cancelled"):
        job.result()
