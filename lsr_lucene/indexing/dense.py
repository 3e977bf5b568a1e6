"""Faiss indexes of dense vectors, in the layout Pyserini's ``FaissSearcher`` opens: ``<dir>/index`` (faiss's own
format, written by ``faiss.write_index``) and ``<dir>/docid`` (one document id per line, in index order), plus this
tool's ``manifest.json`` (encoder settings, so queries can be encoded the same way).

Index types are registered by name: ``flat`` (exact inner product, the default), ``hnsw`` (graph, approximate) and
``ivfpq`` (inverted lists of product-quantised codes: small, approximate, trained on the vectors). Search-time knobs
(HNSW ``efSearch``, IVF ``nprobe``) are stored inside the index file, so Pyserini searches with them too.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import ConfigError, ManifestError
from ..io.atomic import atomic_dir, atomic_open
from ..io.array_shards import read_array_shards
from ..io.manifest import folder_size, try_read_manifest, write_manifest
from ..registry import Registry
from ..streams import progress as progress_bar

DENSE_INDEX_KIND = "lsr-lucene/faiss-index"
INDEX_FILE, DOCID_FILE = "index", "docid"


@dataclass(frozen=True)
class DenseIndexConfig:
    """Index type and its parameters (HNSW: ``hnsw_m`` links per node, ``ef_construction``, ``ef_search``; IVF-PQ:
    ``nlist`` lists (None: 4 sqrt(n)), ``pq_m`` sub-quantizers (None: dim/8; must divide dim), ``pq_bits`` per code,
    ``nprobe`` lists visited per query, ``train_size`` vectors used for training)."""

    kind: str = "flat"
    hnsw_m: int = 32
    ef_construction: int = 200
    ef_search: int = 256
    nlist: int | None = None
    pq_m: int | None = None
    pq_bits: int = 8
    nprobe: int = 32
    train_size: int = 200_000

    def __post_init__(self) -> None:
        INDEX_TYPES.canonical(self.kind)
        for name in ("hnsw_m", "ef_construction", "ef_search", "pq_bits", "nprobe", "train_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"dense index {name} must be >= 1, got {getattr(self, name)}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


IndexFactory = Callable[[int, int, DenseIndexConfig], Any]
"""(dim, number of vectors, config) -> an empty faiss index with inner-product metric."""

INDEX_TYPES: Registry[IndexFactory] = Registry("dense index type")


@INDEX_TYPES.decorator("flat", aliases=("flat-ip",))
def flat_index(dim: int, count: int, config: DenseIndexConfig) -> Any:
    import faiss

    return faiss.IndexFlatIP(dim)


@INDEX_TYPES.decorator("hnsw")
def hnsw_index(dim: int, count: int, config: DenseIndexConfig) -> Any:
    import faiss

    index = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = config.ef_construction
    index.hnsw.efSearch = config.ef_search
    return index


@INDEX_TYPES.decorator("ivfpq", aliases=("ivf-pq",))
def ivfpq_index(dim: int, count: int, config: DenseIndexConfig) -> Any:
    import faiss

    nlist = config.nlist or max(1, min(int(4 * math.sqrt(count)), count // 39 or 1))
    pq_m = config.pq_m or max(1, dim // 8)
    if dim % pq_m:
        raise ConfigError(f"ivfpq: pq_m={pq_m} must divide the vector dimension {dim}")
    codes = 2 ** config.pq_bits
    if count < codes or count < nlist:
        raise ConfigError(f"ivfpq needs at least {max(codes, nlist)} vectors to train (2**pq_bits={codes} codes, "
                          f"nlist={nlist} lists); got {count}: use the flat index or lower --pq-bits/--nlist")
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFPQ(quantizer, dim, nlist, pq_m, config.pq_bits, faiss.METRIC_INNER_PRODUCT)
    index.nprobe = min(config.nprobe, nlist)
    return index


def _training_sample(shards: Iterator[tuple[list[str], np.ndarray]], size: int) -> np.ndarray:
    blocks, total = [], 0
    for _, vectors in shards:
        blocks.append(np.asarray(vectors[:size - total], dtype=np.float32))
        total += len(blocks[-1])
        if total >= size:
            break
    return np.concatenate(blocks) if blocks else np.zeros((0, 0), dtype=np.float32)


def index_dense(vectors_dir: str | os.PathLike, index_dir: str | os.PathLike,
                config: DenseIndexConfig = DenseIndexConfig(), threads: int | None = None, progress: bool = True,
                overwrite: bool = False) -> dict[str, Any]:
    """Faiss index of a dense encode output (``index`` + ``docid`` + manifest); a finished index of the same
    vectors and config is kept, and the folder appears whole or not at all."""
    import faiss

    from ..encoding.stages.dense import DENSE_KIND
    from ..io.shards import completed_manifest

    vectors_dir, index_dir = Path(vectors_dir), Path(index_dir)
    source = completed_manifest(vectors_dir, DENSE_KIND)
    identity = {"vectors": str(vectors_dir.resolve()), "index": config.to_dict(),
                "vectors_sha256": [s["sha256"] for s in source["shards"]]}
    existing = try_read_manifest(index_dir)
    if existing is not None and existing.get("complete") and not overwrite:
        if existing.get("kind") != DENSE_INDEX_KIND or existing.get("config") != identity:
            raise ManifestError(f"{index_dir}: holds an index of other vectors or settings; use another folder or "
                                "--overwrite")
        return existing
    count, dim = int(source["totals"].get("records", 0)), int(source.get("dim", 0))
    if count == 0:
        raise ConfigError(f"{vectors_dir}: no vectors to index")
    if threads:
        faiss.omp_set_num_threads(threads)
    started = time.time()
    index = INDEX_TYPES.get(config.kind)(dim, count, config)
    if not index.is_trained:
        index.train(_training_sample(read_array_shards(vectors_dir, DENSE_KIND), config.train_size))
    bar = progress_bar(desc=f"index ({config.kind})", total=count, enabled=progress)
    with atomic_dir(index_dir) as tmp:
        with atomic_open(tmp / DOCID_FILE) as docids:
            for ids, vectors in read_array_shards(vectors_dir, DENSE_KIND):
                index.add(np.ascontiguousarray(vectors, dtype=np.float32))
                docids.write("".join(f"{i}\n" for i in ids))
                bar.update(len(ids))
        bar.close()
        faiss.write_index(index, str(tmp / INDEX_FILE))
        manifest = {"kind": DENSE_INDEX_KIND, "config": identity, "engine": f"faiss {faiss.__version__}",
                    "encode": source["config"], "pooling": source.get("pooling"), "dim": dim,
                    "documents": int(index.ntotal), "seconds": time.time() - started, "complete": True}
        manifest["bytes"] = folder_size(tmp)
        write_manifest(tmp, manifest)
    return manifest
