"""A dataset folder's inputs, read and joined: the boundary layers, the sentra tables'
paths, and the commodities outside the catalogue kept as commodities of their own. What
:meth:`unggulan.core.dataset.Dataset.open` calls before it holds the frames."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from unggulan.base.errors import DatasetError
from unggulan.base.paths import resolve_in
from unggulan.base.problems import Problem
from unggulan.core.inputs import boundaries as bnd
from unggulan.core.inputs.commodities import Catalogue, guess_sector, unknown_id
from unggulan.core.inputs.config import DatasetConfig
from unggulan.core.inputs.sentra import sentra_files


def sentra_paths(folder: Path, config: DatasetConfig) -> list[Path]:
    """The sentra tables of a dataset folder: ``[sentra] path`` of ``dataset.toml``, else the
    tables and point layers of ``sentra/``."""
    if config.sentra.path:
        path = resolve_in(folder, config.sentra.path)
        if not path.exists():
            raise DatasetError("sentra file not found (set in dataset.toml [sentra] path)",
                               path=path)
        return [path]
    return sentra_files(folder / "sentra")


def load_boundaries(
    folder: Path, config: DatasetConfig, problems: list[Problem]
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, bnd.LayerInfo]]:
    """The desa and kecamatan layers of a dataset folder (configured, else found in
    ``boundaries/``), normalised and joined: codes of one system, each desa's kecamatan, the
    kecamatan dissolved from the desa when there is no kecamatan layer. Problems are added
    to ``problems``; a folder without any usable layer raises :class:`DatasetError`."""
    cfgs = {"desa": config.boundaries.desa, "kecamatan": config.boundaries.kecamatan}
    raws: dict[str, bnd.RawLayer] = {}
    for level, cfg in cfgs.items():
        if cfg.path:
            path = resolve_in(folder, cfg.path)
            raws[level] = bnd.inspect_layer(path, cfg.layer, cfg)
    if len(raws) < 2:
        bdir = folder / "boundaries"
        if not bdir.is_dir() and not raws:
            raise DatasetError(
                "no boundaries/ folder and no [boundaries] paths in dataset.toml", path=folder
            )
        configured = {r.path.resolve() for r in raws.values()}
        for raw in bnd.discover_layers(bdir):
            if raw.path.resolve() in configured:
                continue
            level = raw.level
            if level in cfgs and cfgs[level].model_fields_set - {"path"}:
                raw = bnd.inspect_layer(raw.path, raw.layer, cfgs[level])
            if raw.code is None and level in cfgs and level not in raws:
                raws[level] = raw  # normalise_layer reports the missing code column
                continue
            if level not in cfgs:
                what = f"{level} level" if level else "no recognisable area codes"
                problems.append(Problem("info", str(raw.path), f"layer not used ({what})"))
                continue
            if level in raws:
                problems.append(Problem("warning", str(raw.path), f"second {level} layer "
                                        f"ignored (using {raws[level].path})"))
                continue
            raws[level] = raw
    if not raws:
        raise DatasetError("no desa or kecamatan polygon layer found", path=folder / "boundaries")

    layers: dict[str, gpd.GeoDataFrame] = {}
    info: dict[str, bnd.LayerInfo] = {}
    # a layer without codes takes them from the other level: a coded desa layer first
    order = ["kecamatan", "desa"] if "desa" in raws and raws["desa"].code is None \
        else ["desa", "kecamatan"]
    for level in order:
        if level in raws:
            cfg = cfgs[level]
            if cfg.codes:
                cfg = cfg.model_copy(update={"codes": str(resolve_in(folder, cfg.codes))})
            other = layers.get("kecamatan" if level == "desa" else "desa")
            layers[level], info[level] = bnd.normalise_layer(
                raws[level], level, cfg, problems, kabupaten=config.kabupaten_code,
                context=other,
            )
    if "desa" in layers and "kecamatan" in layers:
        desa, kec = layers["desa"], layers["kecamatan"]
        if desa["code_system"].iat[0] != kec["code_system"].iat[0]:
            raise DatasetError(
                f"desa codes are {desa['code_system'].iat[0]} but kecamatan codes are "
                f"{kec['code_system'].iat[0]}; the two systems cannot be joined. Set "
                "code_system under [boundaries.*] if a guess was wrong",
                path=info["kecamatan"].file,
            )
        wanted = set(desa["kecamatan_code"])
        extra = ~kec["code"].isin(wanted)
        if extra.any():
            problems.append(Problem("info", str(info["kecamatan"].file),
                                    f"{int(extra.sum())} kecamatan without desa in the desa "
                                    "layer left out"))
            layers["kecamatan"] = kec = kec[~extra]
        missing = sorted(wanted - set(kec["code"]))
        if missing:
            problems.append(Problem("warning", str(info["kecamatan"].file),
                                    f"{len(missing)} kecamatan code(s) of desa are not in the "
                                    f"kecamatan layer, e.g. {', '.join(missing[:3])}"))
        fill = desa["kecamatan_code"].map(kec["name"])
        desa["kecamatan_name"] = fill.where(fill.notna(), desa["kecamatan_name"])
    elif "desa" in layers:
        layers["kecamatan"] = bnd.dissolve_kecamatan(layers["desa"])
        info["kecamatan"] = bnd.LayerInfo(
            level="kecamatan", file=info["desa"].file, dissolved=True,
            code_system=info["desa"].code_system, features=len(layers["kecamatan"]),
            code_system_reason="from the desa codes",
        )
    return layers, info


def add_unknown_commodities(catalogue: Catalogue, sentra: gpd.GeoDataFrame,
                            stats: pd.DataFrame, problems: list[Problem]) -> Catalogue:
    """Commodity names outside the catalogue stay commodities of their own (id = folded
    name), with a sector guessed from their words; sentra records are given that id."""
    names: dict[str, tuple[str, str | None]] = {}
    how: dict[str, str] = {}
    unmatched = (sentra["commodity_id"].isna() & (sentra["commodity_raw"] != "")).to_numpy()
    if unmatched.any():
        ids = sentra.loc[unmatched, "commodity_raw"].map(unknown_id)
        sentra.loc[unmatched, "commodity_id"] = ids.to_numpy()
        for cid, raw, sec in zip(ids, sentra.loc[unmatched, "commodity_raw"],
                                 sentra.loc[unmatched, "sector"]):
            if cid in names:
                continue
            guess, word = guess_sector(raw)
            sector = guess or (sec if isinstance(sec, str) else None) or "industri_kerajinan"
            how[cid] = (f"'{word}'" if guess else "the record's sector" if isinstance(sec, str)
                        else "no sign; industri_kerajinan assumed")
            names[cid] = (" ".join(str(raw).split()).title() if str(raw).isupper()
                          else str(raw).strip(), sector)
        fill = sentra.loc[unmatched, "sector"].isna()
        sentra.loc[fill[fill].index, "sector"] = sentra.loc[fill[fill].index, "commodity_id"].map(
            lambda c: names[c][1])
    if stats is not None and len(stats):
        un = stats[stats["commodity_match"] == "none"].drop_duplicates("commodity")
        for cid, name, measure in zip(un["commodity"], un["commodity_name"], un["measure"]):
            if cid in names:
                continue
            guess, word = guess_sector(name)
            sector = guess or ("peternakan" if measure == "population"
                               else "pertanian_perkebunan")
            how[cid] = f"'{word}'" if guess else f"the table's measure ({measure})"
            names[cid] = (str(name), sector)
    for cid, (name, sector) in names.items():
        problems.append(Problem("info", "commodities.csv", f"'{name}' is not in the catalogue: "
                                f"kept as commodity '{cid}', sector {sector} (from {how[cid]}); "
                                "map it to a catalogue id under [commodities] in dataset.toml "
                                "if it is one"))
    return catalogue.with_unknown(names)
