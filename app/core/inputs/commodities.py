"""The commodity catalogue and the matching of typed commodity and sector names."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from unggulan.base.errors import DatasetError, UnknownCommodity
from unggulan.base.names import best_match, fold
from unggulan.base.resources import bundled_data_dir

#: the six sentra sectors, with the words people use for them
SECTORS: dict[str, dict[str, str]] = {
    "pertanian_perkebunan": {"id": "Pertanian & perkebunan", "en": "Farming & estate crops"},
    "perikanan": {"id": "Perikanan", "en": "Fishery"},
    "peternakan": {"id": "Peternakan", "en": "Livestock"},
    "makanan_minuman": {"id": "Makanan & minuman", "en": "Food & drink"},
    "sandang": {"id": "Sandang", "en": "Clothing & textiles"},
    "industri_kerajinan": {"id": "Industri & kerajinan", "en": "Industry & crafts"},
}
_SECTOR_WORDS = {
    "pertanian_perkebunan": "pertanian perkebunan tanaman pangan hortikultura farming agriculture "
    "estate crops plantation tani kebun",
    "perikanan": "perikanan kelautan budidaya tangkap fishery fisheries aquaculture ikan",
    "peternakan": "peternakan ternak livestock animal husbandry",
    "makanan_minuman": "makanan minuman mamin pangan olahan olahan pangan food drink beverage "
    "kuliner agroindustri",
    "sandang": "sandang tekstil pakaian busana fashion clothing textile garment tenun batik",
    "industri_kerajinan": "industri kerajinan kriya craft crafts handicraft industry logam "
    "kimia bahan bangunan",
}


def match_sector(text: object) -> str | None:
    """The sector id for a typed sector name ('Makanan & Minuman', 'kerajinan', ...)."""
    key = fold(text)
    if not key:
        return None
    if key.replace(" ", "_") in SECTORS:
        return key.replace(" ", "_")
    words = set(key.split())
    scores = {
        sid: len(words & set(vocab.split()))
        for sid, vocab in _SECTOR_WORDS.items()
    }
    best = max(scores, key=lambda s: scores[s])
    if scores[best] == 0:
        return None
    if list(scores.values()).count(scores[best]) > 1:
        return None
    return best


# words of a commodity name that say its sector, processing words first: "keripik ikan" is
# food, "anyaman pandan" a craft; checked in this order
_NAME_SECTOR_WORDS = (
    ("makanan_minuman", "keripik kripik kue dodol abon kerupuk krupuk roti sambal minuman "
     "sirup jamu tahu tempe emping manisan selai olahan bakso kecap terasi petis ikan asin "
     "asinan opak rengginang wajik jenang bolu"),
    ("sandang", "tenun tenunan batik songket sarung bordir konveksi jahit tekstil ulos "
     "pakaian busana"),
    ("industri_kerajinan", "kerajinan anyaman anyam gerabah tembikar keramik ukir ukiran "
     "mebel meubel furnitur rotan bambu pandai besi logam batu bata genteng souvenir "
     "cinderamata kriya lukis"),
    ("perikanan", "ikan udang kepiting rajungan kerang rumput laut tambak bandeng lele nila "
     "mas gurame kerapu teripang"),
    ("peternakan", "sapi kambing domba ayam itik bebek kerbau babi telur susu ternak kuda "
     "puyuh"),
    ("pertanian_perkebunan", "tanaman kebun sayur sayuran buah padi kopi kakao"),
)


def guess_sector(name: object) -> tuple[str | None, str | None]:
    """The sector a commodity name's words say, with the word that said it.

    >>> guess_sector("KERAJINAN GERABAH")
    ('industri_kerajinan', 'kerajinan')
    >>> guess_sector("Keripik Singkong")
    ('makanan_minuman', 'keripik')
    """
    words = fold(name).split()
    for sector, vocab in _NAME_SECTOR_WORDS:
        vs = set(vocab.split())
        for w in words:
            if w in vs:
                return sector, w
    return None, None


def unknown_id(name: object) -> str:
    """The id a commodity name outside the catalogue is kept under (its folded name)."""
    return fold(name).replace(" ", "_")


@dataclass(frozen=True)
class Commodity:
    id: str
    name_id: str
    name_en: str
    sector: str
    ovop_group: str
    raw_material: tuple[str, ...]
    synonyms: tuple[str, ...]


class Catalogue:
    """Commodities with their names, sector, OVOP group and raw material.

    Examples
    --------
    >>> cat = Catalogue.load()
    >>> cat.match("Coklat")
    ('kakao', 'synonym')
    """

    def __init__(self, frame: pd.DataFrame, source: Path | None = None):
        self.frame = frame.set_index("id", drop=False)
        self.source = source
        self.items = {
            r.id: Commodity(
                id=r.id,
                name_id=r.name_id,
                name_en=r.name_en,
                sector=r.sector,
                ovop_group=r.ovop_group,
                raw_material=tuple(x for x in str(r.raw_material or "").split("|") if x),
                synonyms=tuple(x for x in str(r.synonyms or "").split("|") if x),
            )
            for r in frame.itertuples(index=False)
        }

    @classmethod
    def load(cls, path: str | Path | None = None) -> Catalogue:
        """Read a catalogue CSV (default: the bundled ``data/commodities.csv``)."""
        path = Path(path) if path else bundled_data_dir() / "commodities.csv"
        if not path.exists():
            raise DatasetError("commodity catalogue not found", path=path)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        required = {"id", "name_id", "name_en", "sector", "ovop_group", "raw_material", "synonyms"}
        missing = required - set(frame.columns)
        if missing:
            raise DatasetError(f"catalogue lacks column(s) {sorted(missing)}", path=path)
        dup = frame["id"][frame["id"].duplicated()].tolist()
        if dup:
            raise DatasetError(f"duplicate commodity id(s) {dup}", path=path)
        bad = sorted(set(frame["sector"]) - set(SECTORS))
        if bad:
            raise DatasetError(f"unknown sector(s) {bad}; use one of {list(SECTORS)}", path=path)
        ids = set(frame["id"])
        for r in frame.itertuples():
            for raw in filter(None, r.raw_material.split("|")):
                if raw not in ids:
                    raise DatasetError(
                        f"row '{r.id}': raw_material '{raw}' is not a catalogue id", path=path
                    )
        return cls(frame, source=path)

    def with_unknown(self, names: dict[str, tuple[str, str | None]]) -> Catalogue:
        """A catalogue that also knows commodities outside this one: ``{id: (name,
        sector)}`` (the caller guesses the sector). They have no synonyms, raw material or
        land requirements; ``known`` is False for them."""
        new = [i for i in names if i not in self.items]
        if not new:
            return self
        extra = pd.DataFrame({
            "id": new,
            "name_id": [names[i][0] for i in new],
            "name_en": [names[i][0] for i in new],
            "sector": [names[i][1] or "" for i in new],
            "ovop_group": "",
            "raw_material": "",
            "synonyms": "",
        })
        base = self.frame.reset_index(drop=True)
        if "known" not in base:
            base = base.assign(known=True)
        frame = pd.concat([base, extra.assign(known=False)], ignore_index=True)
        return Catalogue(frame, source=self.source)

    def with_synonyms(self, mapping: dict[str, str], path: object = None) -> Catalogue:
        """A catalogue where each typed name of ``mapping`` ({name: id or catalogue name})
        matches that commodity: ``[commodities]`` in dataset.toml."""
        if not mapping:
            return self
        frame = self.frame.reset_index(drop=True).copy()
        for name, target in mapping.items():
            cid = target if target in self.items else self.match(target)[0]
            if cid is None:
                raise DatasetError(f"[commodities] '{name}' = '{target}': no such commodity "
                                   "in the catalogue", path=path, field=f"commodities.{name}")
            i = frame.index[frame["id"] == cid][0]
            frame.at[i, "synonyms"] = "|".join(filter(None, [frame.at[i, "synonyms"], name]))
        cat = Catalogue(frame, source=self.source)
        # the dataset's own word wins over the bundled synonyms and names
        for name, target in mapping.items():
            cid = target if target in self.items else self.match(target)[0]
            cat._keys[fold(name).replace(" ", "")] = (cid, "dataset.toml")
        return cat

    def closest(self, name: object, n: int = 3, cutoff: float = 0.5) -> list[str]:
        """Ids of the catalogue commodities (not those kept from the data) whose names or
        synonyms are nearest to ``name``, nearest first: what to map an unknown name to.

        >>> Catalogue.load().closest("Kakaw", n=1)
        ['kakao']
        """
        unknown = set(self.unknown)
        keys = {k: v for k, v in self._keys.items() if v[0] not in unknown}
        near = difflib.get_close_matches(fold(name).replace(" ", ""), list(keys), n=8,
                                         cutoff=cutoff)
        out: list[str] = []
        for k in near:
            if keys[k][0] not in out:
                out.append(keys[k][0])
        return out[:n]

    @property
    def unknown(self) -> list[str]:
        """Ids of the commodities that came from the data, not from the catalogue file."""
        if "known" not in self.frame:
            return []
        return self.frame.index[~self.frame["known"].astype(bool)].tolist()

    def __contains__(self, cid: object) -> bool:
        return cid in self.items

    def __len__(self) -> int:
        return len(self.items)

    def get(self, cid: str) -> Commodity:
        try:
            return self.items[cid]
        except KeyError:
            raise UnknownCommodity(f"unknown commodity '{cid}'") from None

    @cached_property
    def _keys(self) -> dict[str, tuple[str, str]]:
        keys: dict[str, tuple[str, str]] = {}
        for c in self.items.values():
            for text, how in (
                (c.id, "exact"),
                (c.name_id, "exact"),
                (c.name_en, "exact"),
                *((s, "synonym") for s in c.synonyms),
            ):
                k = fold(text).replace(" ", "")
                # an exact name wins over another commodity's synonym
                if k not in keys or (how == "exact" and keys[k][1] != "exact"):
                    keys[k] = (c.id, how)
        return keys

    def match(self, text: object) -> tuple[str | None, str]:
        """Match a typed commodity name: ``(id, how)`` with how in exact/synonym/fuzzy/none."""
        key = fold(text).replace(" ", "")
        if not key:
            return None, "none"
        if key in self._keys:
            return self._keys[key]
        hit = best_match(key, self._keys)
        if hit:
            return self._keys[hit][0], "fuzzy"
        return None, "none"
