"""Dense search over a faiss index in Pyserini's layout (``index`` + ``docid``), with text or pre-encoded queries.

Text queries are encoded with the settings recorded in the index manifest (model, pooling, normalisation, length),
so they match the documents; an index made elsewhere (no manifest) needs an ``encoder`` or pre-encoded queries.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import ConfigError, InputFileError
from ..io.array_shards import read_ids
from ..io.manifest import try_read_manifest
from ..types import DocTable, Hit, Run, RunColumns
from .base import Searcher, remove_self_hits
from .fusion import as_columns


class DenseSearcher(Searcher):
    """Top-k inner-product search. ``ef_search`` / ``nprobe`` override the values stored in an HNSW / IVF index;
    ``remove_self`` drops, in ``batch_search``, each hit whose id is its query's id (the BEIR rule); text queries
    are encoded on ``device``."""

    def __init__(self, index_dir: str | os.PathLike, encoder: Any = None, ef_search: int | None = None,
                 nprobe: int | None = None, threads: int | None = None, remove_self: bool = False,
                 device: str = "auto") -> None:
        import faiss

        from ..indexing.dense import DOCID_FILE, INDEX_FILE

        index_dir = Path(index_dir)
        if not (index_dir / INDEX_FILE).is_file() or not (index_dir / DOCID_FILE).is_file():
            raise InputFileError(index_dir, f"not a faiss index folder (needs '{INDEX_FILE}' and '{DOCID_FILE}')")
        self.index_dir, self.remove_self = index_dir, remove_self
        try:
            self.index = faiss.read_index(str(index_dir / INDEX_FILE))
        except RuntimeError as exc:
            raise InputFileError(index_dir / INDEX_FILE, f"unreadable faiss index ({str(exc).splitlines()[0]})"
                                 ) from None
        self.docids = read_ids(index_dir / DOCID_FILE)
        if len(self.docids) != self.index.ntotal:
            raise InputFileError(index_dir / DOCID_FILE, f"{len(self.docids)} ids for {self.index.ntotal} vectors")
        self.table = DocTable(self.docids)
        self.manifest = try_read_manifest(index_dir) or {}
        self._encoder, self._device = encoder, device
        if ef_search is not None:
            faiss.ParameterSpace().set_index_parameter(self.index, "efSearch", int(ef_search))
        if nprobe is not None:
            faiss.ParameterSpace().set_index_parameter(self.index, "nprobe", int(nprobe))
        if threads:
            faiss.omp_set_num_threads(int(threads))

    @property
    def num_docs(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    @property
    def encoder(self) -> Any:
        """The query encoder: the one given, else the one recorded in the index manifest (loaded on first use)."""
        if self._encoder is None:
            if "encode" not in self.manifest:
                raise ConfigError(f"{self.index_dir}: no lsr-lucene manifest says how to encode queries; pass an "
                                  "encoder or pre-encoded query vectors")
            from ..encoding.stages.dense import DenseEncodeConfig, make_dense_encoder

            self._encoder = make_dense_encoder(DenseEncodeConfig.from_dict(self.manifest["encode"]),
                                               device=self._device)
        return self._encoder

    def encode(self, queries: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """``[len(queries), dim]`` query vectors."""
        return self.encoder.encode(list(queries), batch_size, queries=True)

    def _matrix(self, queries: Sequence[str] | np.ndarray) -> np.ndarray:
        if isinstance(queries, np.ndarray):
            matrix = queries.reshape(1, -1) if queries.ndim == 1 else queries
        else:
            matrix = self.encode(queries)
        if matrix.ndim != 2 or matrix.shape[1] != self.dim:
            raise ConfigError(f"query vectors of shape {matrix.shape} for an index of dimension {self.dim}")
        return np.ascontiguousarray(matrix, dtype=np.float32)

    def search(self, query: str | np.ndarray, k: int = 1000) -> list[Hit]:
        """Top ``k`` hits for one query text or vector."""
        queries: Sequence[str] | np.ndarray = [query] if isinstance(query, str) else query
        return next(iter(self.batch_search(queries, ["q"], k).values()))

    def batch_search(self, queries: Sequence[str] | np.ndarray, qids: Sequence[str], k: int = 1000,
                     threads: int | None = None) -> Run:
        """Top ``k`` hits per query (texts, or a ``[n, dim]`` matrix); query ids in input order."""
        run = self._columns(queries, qids, k, threads).to_run()
        return remove_self_hits(run) if self.remove_self else run

    def search_columns(self, queries: Sequence[str] | np.ndarray, qids: Sequence[str], k: int = 1000,
                       threads: int | None = None) -> RunColumns:
        """``batch_search`` as flat columns (what fusion takes), without a Python object per hit."""
        if self.remove_self:
            return as_columns(self.batch_search(queries, qids, k, threads), qids)
        return self._columns(queries, qids, k, threads)

    def _columns(self, queries: Sequence[str] | np.ndarray, qids: Sequence[str], k: int,
                 threads: int | None) -> RunColumns:
        import faiss

        matrix = self._matrix(queries)
        if len(matrix) != len(qids):
            raise ValueError(f"{len(matrix)} queries for {len(qids)} query ids")
        if threads:
            faiss.omp_set_num_threads(int(threads))
        if not len(qids):
            return RunColumns.empty(self.table)
        scores, rows = self.index.search(matrix, min(int(k), self.num_docs))
        found = rows >= 0  # faiss pads with -1 when fewer than k documents are found
        return RunColumns(list(qids), found.sum(axis=1).astype(np.int64), rows[found].astype(np.int64),
                          scores[found].astype(np.float64), self.table)

    def close(self) -> None:
        self.index = None
