import pytest
from fastapi.testclient import TestClient

from unggulan.api.main import create_app
from unggulan.base.settings import Settings


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def bone_client(bone_dir):
    with TestClient(create_app(Settings(data=bone_dir)), raise_server_exceptions=False) as c:
        yield c
