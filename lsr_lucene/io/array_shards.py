"""Sharded, resumable dense vectors: ``shards/part-NNNNN.npy`` (float32 ``[n, dim]``, no pickle, memory-mappable)
beside ``shards/part-NNNNN.docid`` (one id per line, Pyserini's ``docid`` format), under a manifest.

The bookkeeping is ShardedJsonlWriter's (config check on resume, shards that appear whole, checksums, the manifest
written last); only the shard files differ.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..errors import InputFileError, ManifestError
from .atomic import atomic_open
from .manifest import sha256_file, write_manifest
from .shards import SHARDS, ShardedJsonlWriter, completed_manifest


def check_id(doc_id: str) -> str:
    """``doc_id`` unchanged if it can live on one line of a docid file (no line breaks, no edge whitespace)."""
    if not doc_id or doc_id != doc_id.strip() or any(c in doc_id for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise ValueError(f"id {doc_id!r} is empty, has leading/trailing whitespace or a line break")
    return doc_id


class ShardedArrayWriter(ShardedJsonlWriter):
    """Write ``{"id": str, "vector": 1-d array}`` records (or ``write_block``) into ``.npy`` + ``.docid`` shards."""

    def __init__(self, folder: str | os.PathLike, kind: str, config: dict[str, Any], shard_size: int = 100_000
                 ) -> None:
        super().__init__(folder, kind, config, shard_size, compress=False)
        self._ids: list[str] = []
        self._blocks: list[np.ndarray] = []

    def _shard_name(self, index: int) -> str:
        return f"{SHARDS}/part-{index:05d}.npy"

    def write(self, record: dict[str, Any], counters: dict[str, int] | None = None) -> None:
        self.write_block([record["id"]], np.asarray(record["vector"], dtype=np.float32)[None, :])

    def write_block(self, ids: list[str], vectors: np.ndarray) -> None:
        """Append rows (``len(ids) == vectors.shape[0]``); shards close every ``shard_size`` rows."""
        if self.complete:
            raise ManifestError(f"{self.folder}: output is already complete")
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(ids):
            raise ValueError(f"{len(ids)} ids for vectors of shape {vectors.shape}")
        if not np.isfinite(vectors).all():
            bad = ids[int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])]
            raise ValueError(f"vector of {bad!r} has NaN or infinite values")
        ids = [check_id(i) for i in ids]
        start = 0
        while start < len(ids):
            take = min(len(ids) - start, self.shard_size - self._count)
            self._ids.extend(ids[start:start + take])
            self._blocks.append(vectors[start:start + take])
            self._count += take
            start += take
            if self._count >= self.shard_size:
                self._close_shard()

    def _close_shard(self) -> None:
        if not self._count:
            return
        name = self._shard_name(len(self.manifest["shards"]))
        path = self.folder / name
        ids_name = name[:-len(".npy")] + ".docid"
        matrix = np.concatenate(self._blocks)
        dim = self.manifest.setdefault("dim", int(matrix.shape[1]))
        if matrix.shape[1] != dim:
            raise ValueError(f"vectors of dimension {matrix.shape[1]} for an output of dimension {dim}")
        with atomic_open(self.folder / ids_name) as out:
            out.write("".join(f"{i}\n" for i in self._ids))
        with atomic_open(path, "wb") as out:
            np.save(out, matrix, allow_pickle=False)
        self.manifest["shards"].append({"file": name, "ids": ids_name, "records": self._count,
                                        "bytes": path.stat().st_size,
                                        "sha256": sha256_file(path)})
        write_manifest(self.folder, self.manifest)
        self._ids, self._blocks, self._count = [], [], 0

    def abort(self) -> None:
        self._ids, self._blocks, self._count = [], [], 0


def read_ids(path: str | os.PathLike) -> list[str]:
    """Ids of a ``docid`` file (one per line)."""
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"unreadable id file ({exc})") from None


def read_array_shards(folder: str | os.PathLike, kind: str, mmap: bool = True
                      ) -> Iterator[tuple[list[str], np.ndarray]]:
    """(ids, ``[n, dim]`` float32 vectors) per shard of a finished output of ``kind``, checked against the manifest."""
    manifest = completed_manifest(folder, kind)
    for shard in manifest["shards"]:
        path = Path(folder) / shard["file"]
        try:
            vectors = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputFileError(path, f"unreadable vector shard ({exc})") from None
        ids = read_ids(Path(folder) / shard["ids"])
        if vectors.shape != (shard["records"], manifest["dim"]) or len(ids) != shard["records"]:
            raise ManifestError(f"{path}: holds {vectors.shape} vectors and {len(ids)} ids, the manifest says "
                                f"{shard['records']} x {manifest['dim']}")
        yield ids, vectors
