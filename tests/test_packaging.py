"""What the wheel needs, tested in the source tree: the one place that finds the bundled data
(source tree or installed package), the choice of the map assets' folder, the copying of the
npm files with their licences (scripts/vendor_assets.py) and the smoke test's offline check
(scripts/smoke_wheel.py; the smoke test itself is `make smoke`)."""

from __future__ import annotations

import doctest
import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from unggulan.base import resources
from unggulan.maps import assets

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_bundled_data_from_the_source_tree():
    from unggulan.base.settings import Settings, bundled_data_dir
    from unggulan.core.scenario import SCENARIOS_DIR

    assert resources.bundled_data_dir() == ROOT / "data"
    assert bundled_data_dir is resources.bundled_data_dir  # settings re-exports the one
    assert Settings(data=None).data_dir() == ROOT / "data"
    assert SCENARIOS_DIR == ROOT / "data" / "scenarios"
    assert (SCENARIOS_DIR / "permendagri_9_2014.toml").is_file()
    result = doctest.testmod(resources, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_bundled_data_of_an_installed_package(tmp_path, monkeypatch):
    """Installed, the package's own _data wins over a data/ folder beside it."""
    pkg = tmp_path / "site-packages" / "unggulan"
    (pkg / "_data").mkdir(parents=True)
    (tmp_path / "site-packages" / "data").mkdir()  # someone else's data/ beside the package
    monkeypatch.setattr(resources, "INSTALLED_DATA", pkg / "_data")
    monkeypatch.setattr(resources, "SOURCE_DATA", tmp_path / "site-packages" / "data")
    assert resources.bundled_data_dir() == pkg / "_data"
    assert resources.bundled_file("scenarios", "x.toml") == pkg / "_data" / "scenarios" / "x.toml"
    shutil.rmtree(pkg / "_data")
    assert resources.bundled_data_dir() == tmp_path / "site-packages" / "data"


def _fill(folder: Path, rels) -> None:
    for rel in rels:
        if rel:
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text("x")


def test_assets_dir_prefers_complete_package_copies(tmp_path, monkeypatch):
    packaged, source = tmp_path / "vendor", tmp_path / "node_modules"
    monkeypatch.delenv("UNGGULAN_ASSETS_DIR", raising=False)
    monkeypatch.setattr(assets, "PACKAGED_DIR", packaged)
    monkeypatch.setattr(assets, "SOURCE_DIR", source)
    _fill(source, assets.VENDOR.values())
    rels = [r for r in assets.VENDOR.values() if r]
    _fill(packaged, rels[:-1])  # one file short: not used
    assert assets.assets_dir() == source
    _fill(packaged, rels[-1:])
    assert assets.assets_dir() == packaged
    assert assets.check_assets() == packaged
    monkeypatch.setenv("UNGGULAN_ASSETS_DIR", str(tmp_path / "elsewhere"))
    assert assets.assets_dir() == tmp_path / "elsewhere"


def test_missing_assets_name_the_fix(tmp_path, monkeypatch):
    from unggulan.base.errors import UnggulanError

    monkeypatch.delenv("UNGGULAN_ASSETS_DIR", raising=False)
    monkeypatch.setattr(assets, "PACKAGED_DIR", tmp_path / "vendor")
    monkeypatch.setattr(assets, "SOURCE_DIR", tmp_path / "node_modules")
    with pytest.raises(UnggulanError, match=r"map assets missing .*make install"):
        assets.check_assets()


def _package(root: Path, name: str, files: dict[str, str], deps=(), licence="MIT") -> None:
    folder = root / name
    folder.mkdir(parents=True)
    meta = {"name": name, "version": "1.2.3", "license": licence,
            "dependencies": {d: "^1.0.0" for d in deps}}
    (folder / "package.json").write_text(json.dumps(meta))
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)


def test_vendor_assets_copies_pages_files_images_and_licences(tmp_path):
    va = _script("vendor_assets")
    nm = tmp_path / "node_modules"
    _package(nm, "leaflet", {
        "LICENSE": "BSD 2-clause text",
        "dist/leaflet.js": "/* Leaflet */",
        "dist/leaflet.css": ".a{background:url(images/layers.png)} .b{behavior:url(#default#VML)}"
                            " .c{background:url('data:image/png;base64,AA==')}",
        "dist/images/layers.png": "png", "dist/images/marker-shadow.png": "png",
        "dist/images/notes.txt": "not an image", "src/Leaflet.js": "source, not shipped",
    }, licence="BSD-2-Clause")
    _package(nm, "leaflet.vectorgrid", {
        "README.md": "THE BEER-WARE LICENSE", "dist/bundle.min.js": "grid",
    }, deps=["pbf"], licence="Beerware")
    _package(nm, "pbf", {"LICENSE": "BSD 3-clause text", "index.js": "not shipped"},
             licence="BSD-3-Clause")
    _package(nm, "unused", {"LICENSE": "MIT", "x.js": "x"})
    vendor = {"leaflet": "leaflet/dist/leaflet.js", "leaflet_css": "leaflet/dist/leaflet.css",
              "grid": "leaflet.vectorgrid/dist/bundle.min.js", "jquery": None}
    dest = tmp_path / "pkg" / "vendor"
    (dest / "stale").mkdir(parents=True)  # a previous copy is replaced whole
    va.vendor_assets(nm, dest, vendor)
    got = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert got == [
        "NOTICE.md",
        "leaflet.vectorgrid/README.md", "leaflet.vectorgrid/dist/bundle.min.js",
        "leaflet.vectorgrid/package.json",
        "leaflet/LICENSE", "leaflet/dist/images/layers.png",
        "leaflet/dist/images/marker-shadow.png", "leaflet/dist/leaflet.css",
        "leaflet/dist/leaflet.js", "leaflet/package.json",
        "pbf/LICENSE", "pbf/package.json",  # bundled into the grid: its licence comes along
    ]
    notice = (dest / "NOTICE.md").read_text()
    assert "| leaflet | 1.2.3 | BSD-2-Clause | LICENSE |" in notice
    assert "| leaflet.vectorgrid | 1.2.3 | Beerware | README.md |" in notice
    assert "| pbf | 1.2.3 | BSD-3-Clause | LICENSE |" in notice
    assert "unused" not in notice
    assert not list(dest.parent.glob(".vendor-*"))  # no temporary folder left


def test_vendor_assets_names_missing_files(tmp_path):
    va = _script("vendor_assets")
    _package(tmp_path / "nm", "leaflet", {"LICENSE": "x"})
    with pytest.raises(SystemExit, match=r"leaflet/dist/leaflet.js.*npm ci"):
        va.vendor_assets(tmp_path / "nm", tmp_path / "vendor",
                         {"leaflet": "leaflet/dist/leaflet.js"})
    assert not (tmp_path / "vendor").exists()


def test_smoke_offline_check():
    smoke = _script("smoke_wheel")
    leaflet = "<script>/* Leaflet 1.9.4, a JS library for interactive maps. */</script>"
    tiles = "L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png')"
    smoke.check_offline_html(f"<html><head>{leaflet}</head><script>{tiles}</script></html>")
    for bad in ('<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js">',
                "<link rel=stylesheet href='//unpkg.com/leaflet/dist/leaflet.css'>",
                "<script>load('https://example.org/lib/plugin.min.js')</script>"):
        with pytest.raises(smoke.SmokeError):
            smoke.check_offline_html(leaflet + bad)
    with pytest.raises(smoke.SmokeError, match="not inlined"):
        smoke.check_offline_html("<html></html>")


def test_wheel_configuration_covers_every_package():
    """Every folder of app/ holding Python modules is a package the wheel lists."""
    import tomllib

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(cfg["packages"])
    found = {"unggulan" + "".join(f".{p}" for p in d.relative_to(ROOT / "app").parts)
             for d in {f.parent for f in (ROOT / "app").rglob("*.py")}
             if "__pycache__" not in d.parts}
    assert found <= listed, sorted(found - listed)
    assert cfg["package-dir"] == {"unggulan": "app", "unggulan._data": "data"}
