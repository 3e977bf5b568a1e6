"""Records that flow between stages: documents, queries, judgments, hits and sparse vectors."""

from __future__ import annotations

import functools
import gc
from typing import NamedTuple, Sequence

import numpy as np

SparseVector = dict[str, float]
"""Term -> weight. Float weights come out of encoders; quantized vectors hold int impacts >= 1."""

ImpactVector = dict[str, int]


class Doc(NamedTuple):
    id: str
    title: str
    text: str

    @property
    def contents(self) -> str:
        """Title and text joined as Anserini's BEIR "flat" collections do (title, newline, text)."""
        return f"{self.title}\n{self.text}" if self.title else self.text


class Query(NamedTuple):
    id: str
    text: str


class Qrel(NamedTuple):
    query_id: str
    doc_id: str
    relevance: int


class Hit(NamedTuple):
    doc_id: str
    score: float


Run = dict[str, list[Hit]]
"""Query id -> hits, best first."""


class RunColumns(NamedTuple):
    """A run as flat columns: ``counts[i]`` hits of query ``qids[i]``, best first, then the next query's, in
    ``doc_ids`` and ``scores``. Searchers hand these to fusion without building a Hit per hit."""

    qids: list[str]
    counts: np.ndarray
    """int64, one per query."""
    doc_ids: list[str]
    scores: np.ndarray
    """float64, one per hit."""

    def to_run(self) -> Run:
        return run_from_columns(self.qids, self.counts.tolist(), self.doc_ids, self.scores.tolist())

_hit = functools.partial(tuple.__new__, Hit)  # Hit(doc_id, score) from a pair, without Python-level calls


def run_from_columns(qids: Sequence[str], counts: Sequence[int], doc_ids: Sequence[str],
                     scores: Sequence[float]) -> Run:
    """A Run from flat hits: ``counts[i]`` hits of query ``qids[i]``, in order. The garbage collector is paused
    meanwhile: creating ~10^5 tuples would otherwise trigger collections that cost as much as the creation itself."""
    paused = gc.isenabled()
    gc.disable()
    try:
        run: Run = {}
        offset = 0
        for qid, count in zip(qids, counts):
            run[qid] = list(map(_hit, zip(doc_ids[offset:offset + count], scores[offset:offset + count])))
            offset += count
        return run
    finally:
        if paused:
            gc.enable()
