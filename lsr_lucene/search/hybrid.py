"""Hybrid search: run several searchers on the same text queries and fuse their hits (search/fusion.py).

Any searcher with Pyserini's call shape works: ``search(query, k)`` and ``batch_search(queries, qids, k, threads)``
returning hits with ``doc_id`` (this tool) or ``docid`` (Pyserini's ``LuceneSearcher``, ``FaissSearcher``, ...) and
``score``. So this searcher sits beside Pyserini's ``HybridSearcher`` but takes any number of searchers, RRF or
normalised interpolation, per-searcher weights, and survives a searcher that returns nothing or a single hit.

``SpladeTextSearcher`` gives the learned sparse (impact) index the same text-query interface by encoding and
quantizing each query with the recorded encoder settings.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Sequence

from ..engine import DEFAULT_ENGINE
from ..types import Hit, Run, RunColumns
from .fusion import FusionConfig, as_columns, fuse, fuse_hits
from .base import Searcher


def as_hits(results: Iterable[Any]) -> list[Hit]:
    """This tool's hits from any hit objects with ``doc_id`` or ``docid`` and ``score`` (Pyserini's included)."""
    out = []
    for hit in results:
        doc_id = hit.doc_id if hasattr(hit, "doc_id") else hit.docid
        out.append(Hit(str(doc_id), float(hit.score)))
    return out


class HybridSearcher:
    """Fuse the hits of ``searchers`` (each asked for ``depth`` hits) with ``fusion`` (a FusionConfig or a method
    name; ``weights`` one per searcher)."""

    def __init__(self, searchers: Sequence[Any], fusion: FusionConfig | str = "rrf",
                 weights: Sequence[float] | None = None, depth: int = 1000) -> None:
        if isinstance(fusion, str):
            fusion = FusionConfig(fusion, tuple(weights) if weights is not None else None)
        elif weights is not None:
            fusion = FusionConfig(fusion.method, tuple(weights), fusion.k, fusion.depth, fusion.rrf_k)
        fusion.weights_for(len(searchers))
        self.searchers, self.fusion, self.depth = list(searchers), fusion, depth

    def _config(self, k: int) -> FusionConfig:
        return FusionConfig(self.fusion.method, self.fusion.weights, k, self.fusion.depth, self.fusion.rrf_k)

    def search(self, query: str, k: int = 10) -> list[Hit]:
        """Top ``k`` fused hits for one text query."""
        return fuse_hits([as_hits(s.search(query, self.depth)) for s in self.searchers], self._config(k))

    def batch_search(self, queries: Sequence[str], qids: Sequence[str], k: int = 10, threads: int = 1) -> Run:
        """Top ``k`` fused hits per query; every searcher runs its own batch search first."""
        runs: list[Run | RunColumns] = []
        for searcher in self.searchers:
            if hasattr(searcher, "search_columns"):  # this tool's searchers: flat columns, no object per hit
                runs.append(searcher.search_columns(list(queries), list(qids), self.depth, threads))
                continue
            results = searcher.batch_search(list(queries), list(qids), self.depth, threads)
            runs.append({qid: as_hits(results.get(qid, ())) for qid in qids})
        fused = fuse(runs, self._config(k))
        return {qid: fused.get(qid, []) for qid in qids}


class SpladeTextSearcher(Searcher):
    """An impact index searched with text queries: each query is encoded and quantized with the settings recorded
    in the index's manifest (or ``config``), then searched by ``engine`` (``open_impact_searcher``; needs the JVM)."""

    def __init__(self, index_dir: str | os.PathLike, config: Any = None, query_max_length: int | None = None,
                 threads: int | None = None, engine: str = DEFAULT_ENGINE) -> None:
        import dataclasses

        from ..encoding.stages.sparse import EncodeConfig, make_encoder
        from ..indexing.manifest import index_manifest
        from ..quantize import QuantizationConfig
        from .impact import open_impact_searcher

        if config is None:
            recorded = dict(index_manifest(index_dir)["config"]["encode"])
            recorded["quantization"] = QuantizationConfig(**recorded["quantization"])
            config = EncodeConfig(**recorded)
        if query_max_length is not None:
            config = dataclasses.replace(config, max_length=query_max_length)
        self.config = config
        self.encoder = make_encoder(config, threads)
        self.impact = open_impact_searcher(index_dir, engine)

    def encode(self, queries: Sequence[str]) -> list[dict[str, int]]:
        """Quantized query vectors ``{term: impact}``."""
        from ..encoding.stages.sparse import encode_records

        records = encode_records(self.encoder, iter(enumerate(queries)), self.config, 32, 4096, None)
        return [vector for _, _, vector in records]

    def search(self, query: str, k: int = 1000) -> list[Hit]:
        return self.impact.search(self.encode([query])[0], k)

    def batch_search(self, queries: Sequence[str], qids: Sequence[str], k: int = 1000, threads: int = 1) -> Run:
        return self.impact.batch_search(self.encode(queries), list(qids), k, threads)

    def search_columns(self, queries: Sequence[str], qids: Sequence[str], k: int = 1000,
                       threads: int = 1) -> RunColumns:
        """``batch_search`` as flat columns (what fusion takes)."""
        vectors = self.encode(queries)
        if hasattr(self.impact, "search_columns"):  # the plugin engine
            return self.impact.search_columns(vectors, list(qids), k, threads)
        return as_columns(self.impact.batch_search(vectors, list(qids), k, threads), qids)

    def close(self) -> None:
        self.impact.close()
