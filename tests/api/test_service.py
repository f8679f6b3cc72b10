from fastapi.testclient import TestClient

from unggulan.api.main import create_app
from unggulan.base.settings import Settings


def test_summary_of_the_bundled_dataset():
    with TestClient(create_app()) as client:
        res = client.get("/api/v1/summary")
        assert res.status_code == 200
        body = res.json()
        assert body["synthetic"] is True
        assert body["levels"]["desa"]["areas"] == 64
        assert client.get("/health").json()["status"] == "ok"


def test_dataset_from_settings(bone_dir):
    with TestClient(create_app(Settings(data=bone_dir))) as client:
        body = client.get("/api/v1/summary").json()
        assert body["levels"]["desa"]["areas"] == 372
        assert body["synthetic"] is False


def test_prepare_on_start_answers_every_level_from_prepared_records():
    """With prepare_on_start (what `unggulan serve` turns on) the worker prepares each
    level's default candidates before it takes requests: every area's answer is then a
    lookup, and it is the answer of a service that computes on demand."""
    from unggulan.api.routes_areas import _area_candidates_response

    with TestClient(create_app(Settings(prepare_on_start=True))) as prepared, \
            TestClient(create_app(Settings())) as lazy:
        ds = prepared.app.state.holder.dataset
        cold = lazy.app.state.holder.dataset
        for level in ds.levels:
            code = str(ds.areas(level).index[-1])
            # prepared_only: None when the records are not there yet
            assert _area_candidates_response(ds, code, level, 3, None, None, True) is not None
            assert _area_candidates_response(cold, code, level, 3, None, None, True) is None
            got = prepared.get(f"/api/v1/areas/{code}/candidates", params={"level": level})
            want = lazy.get(f"/api/v1/areas/{code}/candidates", params={"level": level})
            assert got.status_code == want.status_code == 200
            assert got.json() == want.json() and len(got.json()["candidates"]) > 0


def test_cli_serve_turns_preparing_on_unless_told(monkeypatch):
    """`unggulan serve` prepares by default, --no-prepare and the environment turn it off."""
    import uvicorn
    from typer.testing import CliRunner

    from unggulan.cli import cli

    seen = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.append(
        __import__("os").environ.get("UNGGULAN_PREPARE_ON_START")))
    runner = CliRunner()
    # the command sets the variable for its workers: registered here, so that monkeypatch
    # puts the variable back as it was when the test ends
    monkeypatch.setenv("UNGGULAN_PREPARE_ON_START", "registered")
    for args, env, want in ((["serve"], {}, "1"), (["serve", "--no-prepare"], {}, "0"),
                            (["serve"], {"UNGGULAN_PREPARE_ON_START": "0"}, "0"),
                            (["serve", "--prepare"], {"UNGGULAN_PREPARE_ON_START": "0"}, "1")):
        monkeypatch.delenv("UNGGULAN_PREPARE_ON_START", raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert seen[-1] == want, (args, env)
