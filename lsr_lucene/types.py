"""Records that flow between stages: documents, queries, judgments, hits and sparse vectors."""

from __future__ import annotations

import functools
import gc
import weakref
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

    @property
    def docid(self) -> str:
        """``doc_id`` under Pyserini's name."""
        return self.doc_id


Run = dict[str, list[Hit]]
"""Query id -> hits, best first."""


class DocTable:
    """Document ids in one fixed order, such as an index's own numbering (Lucene doc ids, faiss rows), so that runs
    carry int numbers and fusion never touches a string per hit. Costs about 60 bytes per document."""

    def __init__(self, ids: Sequence[str]) -> None:
        self.ids: list[str] = ids if isinstance(ids, list) else list(ids)
        self._position: dict[str, int] | None = None
        self._translations: weakref.WeakKeyDictionary[DocTable, np.ndarray] = weakref.WeakKeyDictionary()

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def numbering(cls, ids: Sequence[str]) -> tuple["DocTable", np.ndarray]:
        """A table of the distinct ``ids`` in first-seen order, and the number of each of ``ids`` in it."""
        import pandas as pd

        if not len(ids):
            return cls([]), np.zeros(0, dtype=np.int64)
        numbers, distinct = pd.factorize(np.array(ids, dtype=object))
        return cls(distinct.tolist()), numbers.astype(np.int64)

    @property
    def position(self) -> dict[str, int]:
        """Id -> number (built on first use)."""
        if self._position is None:
            self._position = {doc_id: i for i, doc_id in enumerate(self.ids)}
        return self._position

    def lookup(self, numbers: np.ndarray) -> list[str]:
        """The ids of ``numbers``."""
        return list(map(self.ids.__getitem__, numbers.tolist()))

    def translation(self, other: "DocTable") -> np.ndarray:
        """This table's number of each of ``other``'s documents (-1: not in this table), computed once per pair."""
        if other not in self._translations:
            get = self.position.get
            self._translations[other] = np.fromiter((get(doc_id, -1) for doc_id in other.ids), dtype=np.int64,
                                                    count=len(other))
        return self._translations[other]


class RunColumns(NamedTuple):
    """A run as flat columns: ``counts[i]`` hits of query ``qids[i]``, best first, then the next query's, as
    document numbers in ``table`` and scores. Searchers hand these to fusion without a Python object per hit."""

    qids: list[str]
    counts: np.ndarray
    """int64, one per query."""
    docs: np.ndarray
    """int64, one per hit: numbers in ``table``."""
    scores: np.ndarray
    """float64, one per hit."""
    table: DocTable

    @property
    def doc_ids(self) -> list[str]:
        return self.table.lookup(self.docs)

    def to_run(self) -> Run:
        return run_from_columns(self.qids, self.counts.tolist(), self.doc_ids, self.scores.tolist())

    @classmethod
    def empty(cls, table: DocTable) -> "RunColumns":
        return cls([], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), table)


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
