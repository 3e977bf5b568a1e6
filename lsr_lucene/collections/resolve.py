"""Turn a ``--collection`` argument into a Collection.

Order: an existing path (BEIR folder or a docs file); a known short name, found in the shared data folders, then in
the copy this package ships, then through ir_datasets; an ``irds:`` id or any ``a/b`` id through ir_datasets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import InputFileError, UnknownNameError
from ..home import RESOURCES_DIR, shared_data_dirs
from ..registry import Registry
from ..types import Doc, Qrel, Query
from .base import BadInput, Collection
from .beir import BeirCollection, is_beir_folder
from .files import read_docs
from .irds import IrdsCollection


@dataclass(frozen=True)
class KnownCollection:
    name: str
    irds_id: str | None
    remove_query_hits: bool
    """BEIR collections drop a hit whose id equals the query id; classic ones reuse numbers for both ids."""


KNOWN_COLLECTIONS: Registry[KnownCollection] = Registry("collection")
_BEIR_IRDS = {
    "trec-covid": "beir/trec-covid", "nfcorpus": "beir/nfcorpus/test", "nq": "beir/nq",
    "hotpotqa": "beir/hotpotqa/test", "fiqa": "beir/fiqa/test", "arguana": "beir/arguana",
    "webis-touche2020": "beir/webis-touche2020/v2", "quora": "beir/quora/test",
    "dbpedia-entity": "beir/dbpedia-entity/test", "scidocs": "beir/scidocs", "fever": "beir/fever/test",
    "climate-fever": "beir/climate-fever", "scifact": "beir/scifact/test",
}
for _name, _irds in _BEIR_IRDS.items():
    KNOWN_COLLECTIONS.register(_name, KnownCollection(_name, _irds, True))
for _name, _irds in (("cranfield", "cranfield"), ("cacm", None), ("medline", None), ("adi", None)):
    KNOWN_COLLECTIONS.register(_name, KnownCollection(_name, _irds, False))

EMBEDDED_DIR = RESOURCES_DIR / "collections"


@dataclass
class DocsOnly:
    """A plain documents file (JSONL or TSV): enough to encode and index, not to evaluate."""

    path: Path
    name: str
    bad: BadInput
    remove_query_hits: bool = False

    def docs_iter(self) -> Iterator[Doc]:
        return read_docs(self.path, self.bad)

    def queries_iter(self) -> Iterator[Query]:
        return iter(())

    def qrels_iter(self, split: str) -> Iterator[Qrel]:
        return iter(())

    def splits(self) -> list[str]:
        return []


def find_local(name: str) -> Path | None:
    """The folder for a short name: shared data first, then the copy shipped in the package."""
    for root in [*shared_data_dirs(), EMBEDDED_DIR]:
        if is_beir_folder(root / name):
            return root / name
    return None


def available_names() -> list[str]:
    """Known names plus every BEIR folder in the shared data folders."""
    names = set(KNOWN_COLLECTIONS.names())
    for root in [*shared_data_dirs(), EMBEDDED_DIR]:
        if root.is_dir():
            names.update(p.name for p in root.iterdir() if is_beir_folder(p))
    return sorted(names)


def _looks_like_path(spec: str) -> bool:
    return spec.startswith(("/", "./", "../", "~")) or spec.endswith((".jsonl", ".json", ".tsv", ".txt", ".gz"))


def load_collection(spec: str, bad: BadInput | None = None, remove_query_hits: bool | None = None) -> Collection:
    """A Collection for a path, short name or ir_datasets id; ``remove_query_hits`` overrides the default."""
    bad = bad or BadInput()
    known = KNOWN_COLLECTIONS.get(spec) if spec in KNOWN_COLLECTIONS else None
    path = Path(spec).expanduser()
    collection: Collection
    if path.exists() and (_looks_like_path(spec) or path.is_file() or is_beir_folder(path) or known is None):
        default_remove = path.name in KNOWN_COLLECTIONS and KNOWN_COLLECTIONS.get(path.name).remove_query_hits
        if path.is_dir():
            collection = BeirCollection(path, bad=bad, remove_query_hits=default_remove)
        else:
            collection = DocsOnly(path, path.name.split(".")[0], bad)
    elif _looks_like_path(spec):
        raise InputFileError(path, "no such file or folder")
    elif (local := find_local(spec)) is not None:
        collection = BeirCollection(local, name=spec, bad=bad,
                                    remove_query_hits=bool(known and known.remove_query_hits))
    elif spec.startswith("irds:") or (known and known.irds_id) or spec.count("/") >= 1:
        irds_id = spec[5:] if spec.startswith("irds:") else (known.irds_id if known else spec)
        assert irds_id is not None
        default_remove = bool(known and known.remove_query_hits) or irds_id.startswith("beir/")
        collection = IrdsCollection(irds_id, name=spec if known else "", bad=bad, remove_query_hits=default_remove)
    else:
        raise UnknownNameError("collection", spec, available_names(),
                               hint="or give a BEIR folder, a JSONL/TSV docs file, or an ir_datasets id (irds:...)")
    if remove_query_hits is not None:
        collection.remove_query_hits = remove_query_hits
    return collection
