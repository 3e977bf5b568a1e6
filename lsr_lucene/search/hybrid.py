"""Hybrid search: run several searchers on the same text queries and fuse their hits (search/fusion.py).

Any searcher with Pyserini's call shape works: ``search(query, k)`` and ``batch_search(queries, qids, k, threads)``
returning hits with ``doc_id`` (this tool) or ``docid`` (Pyserini's ``LuceneSearcher``, ``FaissSearcher``, ...) and
``score``. So this searcher sits beside Pyserini's ``HybridSearcher`` but takes any number of searchers, RRF or
normalised interpolation, per-searcher weights, and survives a searcher that returns nothing or a single hit.

``search.splade.ImpactSearcher`` gives the learned sparse (impact) index the same text-query interface.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from ..types import Hit, Run, RunColumns
from .fusion import FusionConfig, fuse, fuse_hits


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
