"""Batch impact search through the java/ plugin (``org.lsrlucene.search.BatchImpactSearcher``).

Same queries and ranking as Anserini's ``SimpleImpactSearcher`` (score, then document id ascending), but queries
cross to Java as one string, hits come back in three bulk pieces (Lucene doc ids, which a table read once from the
id doc values maps to collection ids), and each query is scored either term at a time over all its postings
(decoded once into heap arrays and kept for later queries) or by Lucene's pruning disjunction (``STRATEGIES``; same
hits and scores either way, the default ``auto`` picks per query). Scores are Lucene's exact scores: the dot
product of query and document impacts, without Anserini's rounding to 1e-4 and its 1e-6 tie steps. An
``Approximation`` (``search.approximate``) trades recall for speed.
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from .. import jvm
from ..errors import ConfigError, JvmError
from ..types import DocTable, Hit, ImpactVector, Run, RunColumns
from ..indexing.manifest import lucene_index_dir
from .approximate import EXACT, Approximation
from .base import Searcher


def query_line(vector: ImpactVector, position: int = 0) -> str:
    """``term weight term weight ...``: one query of the batch format; terms must hold no whitespace."""
    line = " ".join(f"{term} {weight}" for term, weight in vector.items())
    if len(line.split()) != 2 * len(vector) or "\n" in line:
        bad = next(t for t in vector if not t or any(c.isspace() for c in t))
        raise ConfigError(f"query {position}: term {bad!r} is empty or holds whitespace")
    return line


STRATEGIES = ("auto", "exhaustive", "pruned")


class PluginImpactSearcher(Searcher):
    """Search a Lucene impact index with ``{term: impact}`` query vectors, many queries per Java call."""

    engine = "plugin"

    def __init__(self, index_dir: str | os.PathLike, strategy: str = "auto",
                 approximation: Approximation = EXACT, postings_cache_mb: int | None = None) -> None:
        """``strategy`` (one of ``STRATEGIES``): ``exhaustive`` scores a query term at a time over all its postings,
        ``pruned`` lets Lucene skip documents that cannot reach the top k, ``auto`` takes ``exhaustive`` when the
        query's postings number at least half the index's documents (``pruned`` when the approximation's threshold
        factor is above 1). All give the same hits and scores, unless ``approximation`` is not exact.
        ``postings_cache_mb``: heap that term-at-a-time scoring may fill with the posting lists it decodes (5 bytes
        a posting, kept for later queries; all open searchers' together stay within half the JVM heap); None: no
        limit of its own, 0: none."""
        if postings_cache_mb is not None and postings_cache_mb < 0:
            raise ConfigError(f"postings cache must be >= 0 MB, got {postings_cache_mb}")
        self.index_dir = index_dir = lucene_index_dir(index_dir)
        searcher_class = jvm.autoclass("org.lsrlucene.search.BatchImpactSearcher")
        try:
            self._searcher = searcher_class(str(index_dir))
        except Exception as exc:
            raise JvmError(f"could not open {index_dir}: {jvm.java_error_message(exc)}") from exc
        if postings_cache_mb is not None:
            self._searcher.setPostingsCache(int(postings_cache_mb) * 2**20)
        self.configure(strategy, approximation)
        self._table: DocTable | None = None
        self.last_latencies = np.zeros(0)
        """Seconds each query of the last batch took in Java (parsed query to final hits)."""

    def configure(self, strategy: str, approximation: Approximation = EXACT) -> None:
        """Search later queries with ``strategy`` and ``approximation`` (the index stays open)."""
        if strategy not in STRATEGIES:
            raise ConfigError(f"unknown search strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
        self._searcher.setStrategy(strategy)
        try:
            self._searcher.setApproximation(float(approximation.query_mass), float(approximation.postings_fraction),
                                            float(approximation.threshold_factor), int(approximation.candidates),
                                            bool(approximation.top_postings))
        except Exception as exc:
            raise ConfigError(f"{self.index_dir}: {jvm.java_error_message(exc)}") from exc
        self.strategy, self.approximation = strategy, approximation

    @property
    def postings_cache_bytes(self) -> int:
        """Heap bytes that the postings decoded for term-at-a-time scoring take now."""
        return int(self._searcher.postingsCacheBytes())

    @property
    def num_docs(self) -> int:
        return int(self._searcher.numDocs())

    @property
    def table(self) -> DocTable:
        """The collection id of every Lucene doc id (read from the index on first use)."""
        if self._table is None:
            ids = str(self._searcher.ids()).split("\n")
            ids.pop()  # each id ends with a newline
            self._table = DocTable(ids)
        return self._table

    def search(self, vector: ImpactVector, k: int = 1000) -> list[Hit]:
        """Top ``k`` hits for one query vector (an empty vector gives no hits)."""
        return self.batch_search([vector], ["q"], k, 1)["q"]

    def batch_search(self, vectors: Sequence[ImpactVector], qids: Sequence[str], k: int = 1000,
                     threads: int = 1) -> Run:
        """Top ``k`` hits per query, searched by ``threads`` Java threads; query ids in input order."""
        return self.search_columns(vectors, qids, k, threads).to_run()

    def search_columns(self, vectors: Sequence[ImpactVector], qids: Sequence[str], k: int = 1000,
                       threads: int = 1) -> RunColumns:
        """``batch_search`` as flat columns (what fusion takes), without a Python object per hit."""
        if len(vectors) != len(qids):
            raise ValueError(f"{len(vectors)} vectors for {len(qids)} query ids")
        if not vectors:
            return RunColumns.empty(self.table)
        batch = "".join(query_line(v, i) + "\n" for i, v in enumerate(vectors))
        try:
            result = self._searcher.search(batch, int(k), int(threads))
        except Exception as exc:
            raise JvmError(f"search of {self.index_dir} failed: {jvm.java_error_message(exc)}") from exc
        counts = np.frombuffer(bytes(result.counts()), dtype="<i4").astype(np.int64)
        docs = np.frombuffer(bytes(result.docs()), dtype="<i4").astype(np.int64)
        scores = np.frombuffer(bytes(result.scores()), dtype="<f4").astype(np.float64)
        self.last_latencies = np.frombuffer(bytes(result.nanos()), dtype="<i8") / 1e9
        return RunColumns(list(qids), counts, docs, scores, self.table)

    def close(self) -> None:
        self._searcher.close()
