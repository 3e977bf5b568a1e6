"""Impact-vector files (Anserini ``JsonVectorCollection`` JSONL): validation, and finding the shards to index.

A vectors folder is either an ``lsr-lucene encode`` output (``manifest.json`` + ``shards/``) or a plain folder of
JSONL files written by another tool, which is checked record by record before Anserini sees it: Anserini would
silently truncate float weights (Pyserini issue #981), split terms holding whitespace, and skip empty vectors.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputFileError, ManifestError
from ..types import ImpactVector
from .jsonl import read_jsonl
from .manifest import manifest_path, sha256_file
from .shards import SHARDS, completed_manifest

DOCS_KIND = "lsr-lucene/impact-vectors"
QUERIES_KIND = "lsr-lucene/query-vectors"
_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz")


def validate_vector_record(record: dict[str, Any], path: object, line_no: int) -> tuple[str, ImpactVector]:
    """(id, vector) of a JsonVectorCollection record; rejects float, non-positive, non-finite or non-numeric
    weights and terms that whitespace tokenization would split."""
    from ..vocab import lucene_term

    item_id = record.get("id")
    if item_id is None or (isinstance(item_id, str) and not item_id.strip()):
        raise InputFileError(path, "record has no 'id'", line=line_no)
    vector = record.get("vector")
    if not isinstance(vector, dict):
        raise InputFileError(path, "record has no 'vector' object", line=line_no, item_id=str(item_id))
    for term, weight in vector.items():
        if isinstance(weight, float) and not math.isfinite(weight):
            raise InputFileError(path, f"weight of term {term!r} is {weight}: impacts must be finite integers",
                                 line=line_no, item_id=str(item_id))
        if isinstance(weight, bool) or not isinstance(weight, int):
            raise InputFileError(path, f"weight of term {term!r} is {weight!r}: impacts must be integers "
                                       "(quantize floats first, e.g. with lsr-lucene encode)", line=line_no,
                                 item_id=str(item_id))
        if weight < 1:
            raise InputFileError(path, f"weight of term {term!r} is {weight}: impacts must be >= 1",
                                 line=line_no, item_id=str(item_id))
        if not term or lucene_term(term) != term:
            raise InputFileError(path, f"term {term!r} is empty or holds whitespace/control characters",
                                 line=line_no, item_id=str(item_id))
    return str(item_id), vector


@dataclass
class VectorSource:
    """The folder Anserini indexes (shards only) and a manifest describing it."""

    shard_dir: Path
    manifest: dict[str, Any]


def vectors_source(folder: str | os.PathLike) -> VectorSource:
    """Where the shards of ``folder`` are and what they hold; a plain folder is validated record by record."""
    folder = Path(folder)
    if manifest_path(folder).is_file():
        return VectorSource(folder / SHARDS, completed_manifest(folder, DOCS_KIND))
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(_SUFFIXES)) \
        if folder.is_dir() else []
    if not files:
        raise InputFileError(folder, "not a vectors folder: no manifest.json and no .jsonl/.jsonl.gz files")
    others = [p for p in folder.rglob("*") if p.is_file() and p not in files]
    if others:
        raise InputFileError(others[0], "stray file in a JsonVectorCollection folder (Anserini would index it)")
    seen: set[str] = set()
    shards, totals = [], {"records": 0, "postings": 0, "empty_vectors": 0}
    for path in files:
        count = 0
        for line_no, record in read_jsonl(path):
            doc_id, vector = validate_vector_record(record, path, line_no)
            if doc_id in seen:
                raise InputFileError(path, "duplicate document id", line=line_no, item_id=doc_id)
            seen.add(doc_id)
            count += 1
            totals["postings"] += len(vector)
            totals["empty_vectors"] += int(not vector)
        totals["records"] += count
        shards.append({"file": str(path.relative_to(folder)), "records": count, "sha256": sha256_file(path)})
    if not totals["records"]:
        raise ManifestError(f"{folder}: holds no vectors")
    return VectorSource(folder, {"kind": DOCS_KIND, "config": {"plain_folder": True}, "shards": shards,
                                 "totals": totals, "complete": True})


def shard_vectors(shard_dir: Path) -> Iterator[tuple[str, ImpactVector]]:
    """(id, vector) of every record of the vector files under ``shard_dir``, validated, in file name order."""
    for path in sorted(p for p in shard_dir.rglob("*") if p.is_file()):
        for line_no, record in read_jsonl(path):
            yield validate_vector_record(record, path, line_no)


def find_vector(folder: str | os.PathLike, item_id: str) -> ImpactVector:
    """The vector of ``item_id`` in a vectors folder (an encode output of documents or queries, or plain JSONL
    files); InputFileError naming the folder and the id when it holds none."""
    from .manifest import try_read_manifest

    manifest = try_read_manifest(folder) or {}
    records = read_vectors(folder) if manifest.get("kind") == QUERIES_KIND \
        else shard_vectors(vectors_source(folder).shard_dir)
    for record_id, vector in records:
        if record_id == item_id:
            return vector
    raise InputFileError(folder, "no vector with this id", item_id=item_id)


def read_vectors(folder: str | os.PathLike, kind: str = QUERIES_KIND) -> Iterator[tuple[str, ImpactVector]]:
    """(id, vector) from a finished encode output, validating each vector (integer impacts >= 1, clean terms)."""
    manifest = completed_manifest(folder, kind)
    for shard in manifest["shards"]:
        path = Path(folder) / shard["file"]
        for line_no, record in read_jsonl(path):
            yield validate_vector_record(record, path, line_no)
