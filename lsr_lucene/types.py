"""Records that flow between stages: documents, queries, judgments, hits and sparse vectors."""

from __future__ import annotations

from typing import NamedTuple

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
