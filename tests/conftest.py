"""Shared fixtures. Real data is read in place from ../shared/data (CI has it beside us)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
BONE = SHARED / "bone"
MALANG = SHARED / "malang_batu"
BUNDLED = ROOT / "data"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not present (tests read ../shared/data in place)")
    return path


@pytest.fixture(scope="session")
def bone_dir() -> Path:
    return _need(BONE)


@pytest.fixture(scope="session")
def malang_dir() -> Path:
    return _need(MALANG)


@pytest.fixture(scope="session")
def bone(bone_dir):
    from unggulan import Dataset

    return Dataset.open(bone_dir)


@pytest.fixture(scope="session")
def demo():
    from unggulan import Dataset

    return Dataset.open(BUNDLED)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium for the whole session (one Playwright instance: the browser and map
    tests share it)."""
    import os

    from tests.helpers import CHROMIUM, FLAGS

    if not Path(CHROMIUM).exists():
        if os.environ.get("UNGGULAN_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} missing: `make test` installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _thawed_heap():
    """Services frozen out of the cycle collector (unggulan.api.heap) are thawed after each test,
    so the datasets of finished tests can be collected (a frozen cycle never is)."""
    yield
    import gc

    gc.unfreeze()
