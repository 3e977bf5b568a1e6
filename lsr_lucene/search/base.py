"""Shared pieces of searchers: the context-manager protocol, Java hits to Python, the BEIR self-hit rule."""

from __future__ import annotations

from typing import Any, Iterable, TypeVar

from ..types import Hit, Run

S = TypeVar("S", bound="Searcher")


class Searcher:
    """Base of every searcher: ``close`` releases what it holds; ``with`` closes it."""

    def close(self) -> None:
        """Release the index (nothing to release by default)."""

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def hits_from_java(scored_docs: Any) -> list[Hit]:
    """Anserini ``ScoredDoc[]`` to hits, best first."""
    return [Hit(str(d.docid), float(d.score)) for d in scored_docs]


def run_from_java(results: Any, qids: Iterable[str]) -> Run:
    """Anserini's ``Map<String, ScoredDoc[]>`` to a Run in the order of ``qids``."""
    return {qid: hits_from_java(results.get(qid) or []) for qid in qids}


def remove_self_hits(run: Run) -> Run:
    """Drop each hit whose doc id equals its query id (Anserini ``-removeQuery``, the BEIR convention).

    Like Anserini, the hit is removed after retrieval, so a query may end with k-1 hits.
    """
    return {qid: [h for h in hits if h.doc_id != qid] for qid, hits in run.items()}
