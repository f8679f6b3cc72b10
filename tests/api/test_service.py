from fastapi.testclient import TestClient

from app.api.main import create_app
from app.settings import Settings


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
