"""Copy the map pages' files from web/node_modules into the package, with their licences.

``make assets`` (run by ``make install``) calls it, so that the wheel carries Leaflet and its
plugins (``unggulan/maps/vendor``, gitignored, in the wheel as package data) and the map pages
of an installed package work offline exactly as from the source tree.

Only what the pages load is copied: the files of ``unggulan.maps.assets.VENDOR``, and the
images their stylesheets point to (every image of a folder a ``url(...)`` points into:
Leaflet's script takes marker-icon-2x.png and marker-shadow.png from the folder of the
marker-icon.png its stylesheet names). For each npm package they come from, and each package
those depend on (Leaflet.VectorGrid's bundle includes pbf, vector-tile, ...): its licence
files, its package.json (name, version, licence), and its README where it has no licence file
(Leaflet.VectorGrid states its Beerware licence there). ``NOTICE.md`` lists them.

    python scripts/vendor_assets.py [--source web/node_modules] [--dest app/maps/vendor]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = {".png", ".gif", ".svg", ".jpg", ".jpeg", ".webp", ".cur"}
LICENCE = re.compile(r"licen[cs]e|copying|notice", re.IGNORECASE)
URL = re.compile(r"url\((['\"]?)([^'\")]+)\1\)")


def package_of(rel: str) -> str:
    """The npm package of a path below node_modules (``@scope/name`` or ``name``)."""
    parts = rel.split("/")
    return "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]


def css_images(source: Path, rel: str) -> set[str]:
    """Images next to those a stylesheet's url(...) names, below ``source``."""
    css = source / rel
    out: set[str] = set()
    for m in URL.finditer(css.read_text(encoding="utf-8")):
        ref = m.group(2).split("?")[0].split("#")[0]
        if not ref or m.group(2).startswith(("data:", "http:", "https:", "#", "/")):
            continue
        folder = (css.parent / ref).resolve().parent
        if not folder.is_relative_to(source.resolve()):
            continue
        for f in folder.iterdir():
            if f.is_file() and f.suffix.lower() in IMAGES:
                out.add(f.resolve().relative_to(source.resolve()).as_posix())
    return out


def closure(source: Path, names: set[str]) -> dict[str, dict]:
    """The packages ``names`` and every package they depend on: name -> package.json."""
    out: dict[str, dict] = {}
    todo = sorted(names)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        meta_path = source / name / "package.json"
        if not meta_path.is_file():
            raise SystemExit(f"error: {meta_path} missing; run `npm ci` in web/ (make install)")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        out[name] = meta
        todo.extend(d for d in meta.get("dependencies", {}) if d not in out)
    return out


def licence_files(source: Path, name: str) -> list[str]:
    """The package's licence files, else its README (and always its package.json)."""
    folder = source / name
    files = sorted(f.name for f in folder.iterdir() if f.is_file() and LICENCE.search(f.name))
    if not files:
        files = sorted(f.name for f in folder.iterdir()
                       if f.is_file() and f.name.lower().startswith("readme"))
    return [f"{name}/{f}" for f in files + ["package.json"]]


def plan(source: Path, vendor: dict[str, str | None]) -> tuple[list[str], dict[str, dict]]:
    """Every file to copy (relative to ``source``) and the packages they come from."""
    files: set[str] = set()
    missing = []
    for rel in vendor.values():
        if rel is None:
            continue
        if not (source / rel).is_file():
            missing.append(rel)
            continue
        files.add(rel)
        if rel.endswith(".css"):
            files |= css_images(source, rel)
    if missing:
        raise SystemExit(f"error: missing in {source}: {', '.join(missing)}; "
                         "run `npm ci` in web/ (make install)")
    packages = closure(source, {package_of(rel) for rel in files})
    for name in packages:
        files.update(licence_files(source, name))
    return sorted(files), packages


def notice(packages: dict[str, dict], files: list[str]) -> str:
    lines = [
        "# Map assets shipped with unggulan",
        "",
        "Copied from `web/node_modules` by `scripts/vendor_assets.py` (`make assets`): the files",
        "the map pages load, and the licence of every npm package they come from or bundle.",
        "",
        "| package | version | licence | licence files |",
        "| --- | --- | --- | --- |",
    ]
    for name, meta in sorted(packages.items()):
        lic = meta.get("license") or meta.get("licenses") or "?"
        own = [f.split("/", len(name.split("/")))[-1] for f in files
               if package_of(f) == name and f.rsplit("/", 1)[-1] != "package.json"
               and (LICENCE.search(f.rsplit("/", 1)[-1])
                    or f.rsplit("/", 1)[-1].lower().startswith("readme"))]
        lines.append(f"| {name} | {meta.get('version', '?')} | {lic} | "
                     f"{', '.join(own) or 'package.json'} |")
    return "\n".join(lines) + "\n"


def vendor_assets(source: Path, dest: Path, vendor: dict[str, str | None]) -> list[str]:
    """Replace ``dest`` with the copies (written beside it, then renamed into place)."""
    files, packages = plan(source, vendor)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        for rel in files:
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, target)
        (tmp / "NOTICE.md").write_text(notice(packages, files), encoding="utf-8")
        old = None
        if dest.exists():
            old = dest.with_name(f".{dest.name}-old-{tmp.name}")
            dest.rename(old)
        tmp.rename(dest)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=ROOT / "web" / "node_modules")
    ap.add_argument("--dest", type=Path, default=ROOT / "app" / "maps" / "vendor")
    args = ap.parse_args(argv)
    from unggulan.maps.assets import VENDOR

    files = vendor_assets(args.source, args.dest, VENDOR)
    size = sum((args.dest / f).stat().st_size for f in files)
    print(f"vendored {len(files)} files ({size / 1e6:.2f} MB) into {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
