"""Concurrency: simultaneous requests each get their own answer, and a reload in the middle of
them never serves a half-loaded dataset.

The service test starts a real uvicorn server on 127.0.0.1 (Kabupaten Bone, its own disk
cache), records the answer of every distinct request made alone, forgets the results kept on
disk and reloads (so every cache is cold again), then sends the same requests from 24 client
threads at once (each request from 6 of them) with another reload in the middle, and compares
every answer with the lone one. The holder tests drive :class:`DatasetHolder` with a stand-in
``Dataset.open`` whose opening can be held half-way; the cache tests drive
:meth:`Dataset.cached`. The last tests check the helper that starts every test and benchmark
server (:func:`tests.helpers.serve`): leaving it stops all the workers of ``--workers 2``, and
a server that cannot start is reported with its own error message.
"""

from __future__ import annotations

import doctest
import os
import random
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

import unggulan.api.deps as deps
from tests.helpers import make_dataset, serve
from unggulan.api.deps import DatasetHolder
from unggulan.base.errors import DatasetError

KEY = "kunci-uji-konkurensi-0123456789"
CLIENTS = 24
#: six weightings: the defaults, and five that rank differently
WEIGHTS = [None, "suitability=0.5,specialisation=0.5", "suitability=1",
           "specialisation=0.6,market=0.4", "suitability=0.4,scale=0.3,trend=0.3",
           "cluster=0.5,uniqueness=0.5"]
TOPSIS = {"name": "TOPSIS uji", "method": "topsis", "top": 2,
          "weights": {"suitability": 0.5, "specialisation": 0.5}}


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    params: tuple = ()
    body: dict | None = field(default=None, hash=False, compare=False)

    def send(self, client: httpx.Client) -> httpx.Response:
        if self.method == "POST":
            return client.post(self.path, params=dict(self.params), json=self.body)
        return client.get(self.path, params=dict(self.params))


def _requests(desa: list[str], kecamatan: list[str]) -> list[Req]:
    reqs = []
    for w in WEIGHTS:
        wp = (("weights", w),) if w else ()
        reqs.append(Req("GET", "/api/v1/candidates", (("level", "kecamatan"),) + wp))
        reqs.append(Req("GET", "/api/v1/areas/" + desa[len(reqs) % len(desa)] + "/candidates",
                        (("level", "desa"),) + wp))
    for w in WEIGHTS[:3]:  # desa, long: the heavy ones (stability only for the defaults)
        wp = (("weights", w), ("stability", "false")) if w else ()
        reqs.append(Req("GET", "/api/v1/candidates",
                        (("level", "desa"), ("limit", "300"), ("offset", "150")) + wp))
    reqs += [
        Req("GET", "/api/v1/candidates", (("level", "kecamatan"),
                                          ("scenario", "permendagri_9_2014"))),
        Req("POST", "/api/v1/candidates", (("level", "kecamatan"),), TOPSIS),
        Req("GET", "/api/v1/areas/" + kecamatan[1], (("level", "kecamatan"),)),
        Req("GET", "/api/v1/areas", (("level", "desa"), ("limit", "50"), ("offset", "100"))),
        Req("GET", "/api/v1/areas", (("level", "kecamatan"), ("geometry", "true"))),
        Req("GET", "/api/v1/areas", (("level", "desa"), ("parent", kecamatan[2]))),
        Req("GET", "/ogc/collections/desa/items", (("limit", "100"), ("offset", "0"))),
        Req("GET", "/ogc/collections/desa/items", (("limit", "100"), ("offset", "200"))),
        Req("GET", "/ogc/collections/candidates_kecamatan/items", (("limit", "10"),)),
        Req("GET", "/ogc/collections/sentra/items", (("limit", "50"), ("offset", "50"))),
        Req("GET", "/api/v1/statistics", (("limit", "100"),)),
        Req("GET", "/api/v1/statistics", (("measure", "production"), ("limit", "200"),
                                          ("offset", "100"))),
        Req("GET", "/api/v1/statistics", (("area", desa[3]),)),
        Req("GET", "/api/v1/summary"),
    ]
    return reqs


@pytest.fixture(scope="module")
def bone_service(bone_dir, tmp_path_factory):
    """The service on Bone with its own disk cache (coverage, results): (base URL, cache)."""
    cache = tmp_path_factory.mktemp("cache")
    with serve(bone_dir, env={"UNGGULAN_WRITE_API_KEY": KEY,
                              "UNGGULAN_RATE_LIMIT_PER_MINUTE": "0",
                              "UNGGULAN_CACHE_DIR": str(cache)}) as base:
        yield base, cache


def test_simultaneous_requests_and_a_reload_each_get_their_own_answer(bone_service):
    bone_service, cache = bone_service
    with httpx.Client(base_url=bone_service, timeout=120) as c:
        desa = [a["code"] for a in c.get("/api/v1/areas", params={"level": "desa",
                                                                   "limit": 6}).json()["items"]]
        kec = [a["code"] for a in c.get("/api/v1/areas", params={"level": "kecamatan",
                                                                  "limit": 4}).json()["items"]]
        reqs = _requests(desa, kec)
        assert len(set(reqs)) == len(reqs) >= 25
        lone = {}
        for rq in reqs:  # alone, one after the other
            r = rq.send(c)
            assert r.status_code == 200, (rq, r.text[:300])
            lone[rq] = r.json()
        # the weightings really rank differently (else the comparison below proves little)
        firsts = {tuple((i["code"], i["commodity"]) for i in lone[rq]["items"] if i["rank"] == 1)
                  for rq in reqs if rq.path == "/api/v1/candidates"
                  and ("level", "kecamatan") in rq.params}
        assert len(firsts) >= 4
        # results kept on disk would be read back after the reload: forget them, so that the
        # clients below make the service compute them again, at the same time
        assert list((cache / "results").glob("candidates-*.pickle"))
        shutil.rmtree(cache / "results")
        first_load = c.post("/api/v1/reload", headers={"X-API-Key": KEY}).json()["loaded_at"]

    # every request is sent by a quarter of the clients (6 of 24), each in its own order,
    # on the reloaded dataset whose caches are cold: its first answers are computed while the
    # other clients ask for the same and for other things
    orders = []
    for k in range(CLIENTS):
        order = [rq for i, rq in enumerate(reqs) if (i + k) % 4 == 0]
        random.Random(k).shuffle(order)
        orders.append(order)
    total = sum(len(o) for o in orders)
    assert all(sum(rq in o for o in orders) == CLIENTS // 4 for rq in reqs)
    done = [0]
    half = threading.Event()
    reload_done = threading.Event()
    lock = threading.Lock()
    answers: list[tuple[Req, int, object, float]] = []
    reload_times: list[float] = []

    def client(order: list[Req]) -> None:
        # a connection per request: an idle kept-alive connection that the busy server closes
        # (uvicorn's 5 s keep-alive) just as it is reused is not what this test is about
        # (benchmarks/load.py measures that)
        fresh = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=bone_service, timeout=120, limits=fresh) as cl:
            for rq in order:
                if rq is order[-1]:
                    # each client's last request waits for the reload to end: some answers
                    # are then surely made by the reloaded dataset, however fast the others
                    reload_done.wait(timeout=120)
                r = rq.send(cl)
                body = r.json() if r.status_code == 200 else r.text
                with lock:
                    answers.append((rq, r.status_code, body, time.monotonic()))
                    done[0] += 1
                    if done[0] >= total // 3:
                        half.set()

    def reloader() -> dict:
        half.wait(timeout=60)
        t0 = time.monotonic()
        r = httpx.post(f"{bone_service}/api/v1/reload", headers={"X-API-Key": KEY},
                       timeout=120)
        reload_times.extend([t0, time.monotonic()])
        reload_done.set()
        assert r.status_code == 200, r.text
        return r.json()

    with ThreadPoolExecutor(max_workers=CLIENTS + 1) as pool:
        reloaded = pool.submit(reloader)
        futures = [pool.submit(client, order) for order in orders]
        for f in futures:
            f.result()
        reload_body = reloaded.result()

    assert len(answers) == total
    errors = [(rq, status, str(body)[:200]) for rq, status, body, _ in answers if status != 200]
    assert errors == []
    wrong = [rq for rq, _, body, _ in answers if body != lone[rq]]
    assert wrong == []
    # the reload happened in the middle: answers finished before it started and after it ended
    assert reload_body["reloaded"] is True and reload_body["loaded_at"] > first_load
    t0, t1 = reload_times
    assert sum(t < t0 for *_, t in answers) > 0
    assert sum(t > t1 for *_, t in answers) > 0


# ------------------------------------------------------------------ the holder itself
class _Opened:
    """Stands in for a Dataset: which opening it came from."""

    def __init__(self, n: int):
        self.n = n


class _SlowOpen:
    """A ``Dataset`` stand-in whose ``open`` can be held half-way or made to fail."""

    def __init__(self):
        self.count = 0
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.fail = False

    def open(self, folder, settings=None):  # as Dataset.open(folder, settings=...)
        self.count += 1
        n = self.count
        self.entered.set()
        assert self.gate.wait(timeout=10)
        if self.fail:
            raise DatasetError("desa layer unreadable", path=folder)
        return _Opened(n)


@pytest.fixture
def slow(monkeypatch, tmp_path):
    s = _SlowOpen()
    monkeypatch.setattr(deps, "Dataset", s)
    (tmp_path / "sentra.csv").write_text("a\n1\n", encoding="utf-8")
    return s


def _touch(folder: Path, text: str) -> None:
    f = folder / "sentra.csv"
    f.write_text(text, encoding="utf-8")
    later = time.time() + 10
    os.utime(f, (later, later))


def test_a_request_during_a_reload_gets_the_old_dataset_whole(slow, tmp_path):
    holder = DatasetHolder(tmp_path, check_every=3600)
    old = holder.get()
    assert old.n == 1
    slow.gate.clear()
    slow.entered.clear()
    t = threading.Thread(target=holder.reload)
    t.start()
    assert slow.entered.wait(timeout=10)  # the reload is half-way through opening
    t_get = time.monotonic()
    assert holder.get() is old  # served at once, and the old object
    assert time.monotonic() - t_get < 1
    slow.gate.set()
    t.join(timeout=10)
    new = holder.get()
    assert new.n == 2 and new is not old and old.n == 1  # the old object was not touched


def test_a_noticed_change_is_loaded_by_one_request_while_the_others_go_on(slow, tmp_path):
    holder = DatasetHolder(tmp_path, check_every=0)
    old = holder.get()
    _touch(tmp_path, "a\n1\n2\n")
    slow.gate.clear()
    slow.entered.clear()
    got = {}
    t = threading.Thread(target=lambda: got.setdefault("first", holder.get()))
    t.start()
    assert slow.entered.wait(timeout=10)  # that request noticed the change and is reloading
    t_get = time.monotonic()
    assert holder.get() is old  # another request does not wait for it
    assert time.monotonic() - t_get < 1
    slow.gate.set()
    t.join(timeout=10)
    assert got["first"].n == 2  # the request that reloaded is served the new dataset
    assert holder.get() is got["first"] and slow.count == 2  # no second reload


def test_an_unreadable_change_keeps_the_old_dataset(slow, tmp_path):
    holder = DatasetHolder(tmp_path, check_every=0)
    old = holder.get()
    slow.fail = True
    _touch(tmp_path, "a\n1\n2\n3\n")
    assert holder.get() is old  # the request is served; the change is remembered as broken
    assert "desa layer unreadable" in holder.error
    assert holder.get() is old and slow.count == 2  # not tried again until it changes again
    with pytest.raises(DatasetError):  # an explicit reload says why
        holder.reload()
    slow.fail = False
    _touch(tmp_path, "a\n1\n2\n3\n4\n")
    assert holder.get().n == 4 and holder.error is None


def test_the_holder_docstring_example_runs():
    result = doctest.testmod(deps, verbose=False)
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------------------------ the dataset's cache
def test_a_cache_entry_asked_for_by_many_threads_at_once_is_built_once(demo):
    from unggulan import Dataset

    ds = Dataset.open(demo.folder)  # its own caches
    builds = []
    both_in = threading.Barrier(2, timeout=10)

    def build(name):
        def run():
            builds.append(name)
            if name != "same":
                both_in.wait()  # the two other keys are built at the same time, not in turn
            time.sleep(0.2)
            return f"value of {name}"
        return run

    with ThreadPoolExecutor(max_workers=10) as pool:
        same = [pool.submit(ds.cached, ("test", "same"), build("same")) for _ in range(8)]
        other = [pool.submit(ds.cached, ("test", n), build(n)) for n in ("a", "b")]
        assert {f.result(timeout=10) for f in same} == {"value of same"}
        assert [f.result(timeout=10) for f in other] == ["value of a", "value of b"]
    assert sorted(builds) == ["a", "b", "same"]  # eight callers, one build


def test_a_failed_build_is_not_cached_and_is_tried_again(demo):
    from unggulan import Dataset

    ds = Dataset.open(demo.folder)

    def broken():
        raise ValueError("no")

    with pytest.raises(ValueError):
        ds.cached(("test", "k"), broken)
    assert ds.cached(("test", "k"), lambda: 7) == 7


# ------------------------------------------------------------------ the server helper
def _live_in_group(pgid: int) -> list[int]:
    """Processes of process group ``pgid`` that are not zombies (Linux /proc)."""
    live = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # after "(comm)": state, ppid, pgrp, ...
            state, _ppid, pgrp = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(pgrp) == pgid and state != "Z":
            live.append(int(entry.name))
    return live


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_serve_stops_every_worker_of_its_process_group(tmp_path):
    folder = make_dataset(tmp_path / "data")  # six desa: fast to open
    with serve(folder, workers=2, env={"UNGGULAN_CACHE_DIR": str(tmp_path / "cache")},
               timeout=120) as base:
        assert base.startswith("http://127.0.0.1:")
        assert httpx.get(f"{base}/health", timeout=10).status_code == 200
        # served from ``folder``: its six desa
        areas = httpx.get(f"{base}/api/v1/areas", params={"level": "desa"}, timeout=60)
        assert areas.json()["total"] == 6
        group = _live_in_group(base.pid)
        # uvicorn's supervisor and its two workers (and multiprocessing's helper, if any)
        assert base.pid in group and len(group) >= 3
    deadline = time.monotonic() + 5
    while _live_in_group(base.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _live_in_group(base.pid) == []


def test_serve_raises_with_the_servers_own_message_when_it_cannot_start(tmp_path):
    missing = tmp_path / "no-such-dataset"
    with pytest.raises(RuntimeError, match="exited with") as err:
        with serve(missing, timeout=60):
            pytest.fail("a service on a missing folder answered")
    # the tail of the server's standard error: `unggulan serve` names the folder
    assert str(missing) in str(err.value) and "not found" in str(err.value)


# ------------------------------------------------------------------ lanes (unggulan.api.pool)
def test_a_lane_runs_at_most_its_limit_and_queues_the_rest():
    """Sixteen exports at once: at most LIMITS["export"] run at a time, every one is answered
    (queued on the event loop, never refused)."""
    import anyio

    from unggulan.api import pool

    lock = threading.Lock()
    running, peak = [0], [0]

    def work(i: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return i

    async def main() -> list[int]:
        out: list[int] = []

        async def one(i: int) -> None:
            out.append(await pool.run("export", work, i))

        async with anyio.create_task_group() as tg:
            for i in range(16):
                tg.start_soon(one, i)
        return sorted(out)

    assert anyio.run(main) == list(range(16))
    assert peak[0] == pool.LIMITS["export"]


def test_a_full_lane_does_not_hold_up_another_kind():
    """Every brief's slot is taken by a brief that waits; an area's candidates are computed
    meanwhile on their own lane, and a kept answer is looked up without any lane."""
    import anyio

    from unggulan.api import pool

    release = threading.Event()
    store = pool.Lru(4)

    async def main() -> tuple:
        async with anyio.create_task_group() as tg:
            for _ in range(pool.LIMITS["brief"] + 2):  # the lane is full, two more queue
                tg.start_soon(pool.run, "brief", release.wait, 30)
            await anyio.sleep(0.05)
            with anyio.fail_after(10):
                other = await pool.run("area candidates", sum, [1, 2, 3])
                made = await pool.kept_or_run("area candidates", store, "k", sum, [4, 5])
            assert pool.limiter("brief").borrowed_tokens == pool.LIMITS["brief"]
            lanes = pool.limiter("area candidates").borrowed_tokens
            kept = await pool.kept_or_run("area candidates", store, "k", _refuse)
            release.set()
        return other, made, kept, lanes

    assert anyio.run(main) == (6, 9, 9, 0)


def _refuse(*args):
    raise AssertionError("a kept answer was made again")
