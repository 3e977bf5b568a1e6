"""An impact index searched with text or pre-encoded queries, in Pyserini's call shapes.

Text queries are encoded as the index's documents were (``QueryImpactEncoder.from_index``: model, max length,
quantization; the IDF table of an inference-free model), or by the encoder given; ``{term: impact}`` vectors go
straight to the engine (``open_impact_searcher``: the java/ plugin, else Anserini). Hits carry ``docid`` and
``score`` as Pyserini's do. ``remove_self`` applies the BEIR rule the command line applies to BEIR collections: a
hit whose id is its query's id is dropped (after retrieval, so a query may get k - 1 hits).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Sequence

from ..engine import DEFAULT_ENGINE
from ..types import Hit, ImpactVector, Run, RunColumns
from .approximate import Approximation, approximation
from .base import Searcher, remove_self_hits
from .fusion import as_columns
from .impact import open_impact_searcher
from .query_encoder import QueryImpactEncoder

if TYPE_CHECKING:
    from .explain import Explanation

Query = str | ImpactVector


class ImpactSearcher(Searcher):
    """Search the impact index ``index_dir``; ``encoder`` encodes text queries (default: the index's own settings,
    ``query_max_length`` overriding its max length, on ``device``). ``approximate`` (a preset name of
    ``search.approximate.PRESETS`` or an ``Approximation``; None: exact) trades recall for speed (plugin only)."""

    def __init__(self, index_dir: str | os.PathLike, encoder: QueryImpactEncoder | None = None,
                 query_max_length: int | None = None, threads: int | None = None, engine: str = DEFAULT_ENGINE,
                 remove_self: bool = False, device: str = "auto",
                 approximate: str | Approximation | None = None) -> None:
        self.approximation = approximate if isinstance(approximate, Approximation) else approximation(approximate)
        self.engine = open_impact_searcher(index_dir, engine, self.approximation)
        self.index_dir, self.remove_self = index_dir, remove_self
        self._encoder, self._max_length, self._threads, self._device = encoder, query_max_length, threads, device

    @property
    def encoder(self) -> QueryImpactEncoder:
        """The text-query encoder (loaded on the first text query)."""
        if self._encoder is None:
            self._encoder = QueryImpactEncoder.from_index(self.index_dir, self._max_length, self._threads,
                                                          self._device)
        return self._encoder

    @property
    def num_docs(self) -> int:
        return self.engine.num_docs

    def vectors(self, queries: Sequence[Query]) -> list[ImpactVector]:
        """Each query as a quantized vector (texts encoded in one batch, vectors as given)."""
        texts = [q for q in queries if isinstance(q, str)]
        encoded = iter(self.encoder.encode_batch(texts) if texts else [])
        return [next(encoded) if isinstance(q, str) else q for q in queries]

    def search(self, q: Query, k: int = 10) -> list[Hit]:
        """Top ``k`` hits for one text or vector query."""
        return self.batch_search([q], ["q"], k)["q"]

    def batch_search(self, queries: Sequence[Query], qids: Sequence[str], k: int = 10, threads: int = 1) -> Run:
        """Top ``k`` hits per query, query ids in input order."""
        if len(queries) != len(qids):
            raise ValueError(f"{len(queries)} queries for {len(qids)} query ids")
        run = self.engine.batch_search(self.vectors(queries), list(qids), k, threads)
        return remove_self_hits(run) if self.remove_self else run

    def search_columns(self, queries: Sequence[Query], qids: Sequence[str], k: int = 10,
                       threads: int = 1) -> RunColumns:
        """``batch_search`` as flat columns numbered by the index (what fusion takes)."""
        if self.remove_self or not hasattr(self.engine, "search_columns"):
            return as_columns(self.batch_search(queries, qids, k, threads), qids)
        return self.engine.search_columns(self.vectors(queries), list(qids), k, threads)

    def explain(self, q: Query, doc_id: str | None = None, k: int = 5, top_terms: int = 10) -> list["Explanation"]:
        """Why each of the top ``k`` hits of ``q`` (or the document ``doc_id``) scores what it does: the shared
        terms' query x document impacts, summing to the score, expansion terms marked (``search.explain``)."""
        from .explain import explain

        return explain(self, q, doc_id, k, top_terms)

    def close(self) -> None:
        self.engine.close()
