"""Why a document scores what it does for a query on an impact index.

A hit's score is the dot product of the query's and the document's impacts over the terms they share. Each document
impact is read from the index itself (the term's posting frequency, ``indexing.lookup``), so the contributions sum
exactly to the plugin's scores (Anserini's engine rounds to 1e-4 and steps ties by 1e-6). For a text query, the
terms that are not among the text's own tokens are marked as expansion terms. The document's top terms come from a
walk of the index's term dictionary: what the index holds, whether or not the vectors it was built from are still
there (or were updated since).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .. import jvm
from ..errors import InputFileError
from ..indexing.lookup import IndexLookup
from ..indexing.manifest import lucene_index_dir
from ..types import ImpactVector
from .query_encoder import QueryImpactEncoder



@dataclass
class TermMatch:
    """One term the query and the document share."""

    term: str
    query_impact: int
    doc_impact: int
    expansion: bool | None
    """True for a term the query text does not hold (None for a query given as a vector)."""

    @property
    def contribution(self) -> int:
        return self.query_impact * self.doc_impact


@dataclass
class Explanation:
    """The matching terms of one document, largest contribution first, and its own top terms."""

    doc_id: str
    rank: int | None
    """1-based rank among the searcher's top k; None when the document is not among them."""
    score: float | None
    """The searcher's score (None outside the top k)."""
    matches: list[TermMatch] = field(default_factory=list)
    top_terms: list[tuple[str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The sum of the contributions: the score, computed term by term."""
        return sum(m.contribution for m in self.matches)

    def to_dict(self) -> dict[str, Any]:
        matches = [{**asdict(m), "contribution": m.contribution} for m in self.matches]
        return {"doc_id": self.doc_id, "rank": self.rank, "score": self.score, "total": self.total,
                "matches": matches, "top_terms": [{"term": t, "impact": i} for t, i in self.top_terms]}


def text_terms(encoder: QueryImpactEncoder, text: str) -> set[str]:
    """The vocabulary terms of ``text``'s own tokens (special tokens left out), as the encoder tokenizes it."""
    model = encoder.encoder
    special = set(getattr(model.tokenizer, "all_special_ids", []))
    ids = model.tokenize([text], encoder.config.max_length)[0][0]
    return {model.terms[i] for i in ids if i not in special}


def explain(searcher: Any, q: str | ImpactVector, doc_id: str | None = None, k: int = 5, top_terms: int = 10
            ) -> list[Explanation]:
    """Explanations of the top ``k`` hits of ``q``, or of the document ``doc_id`` alone (ranked when it is among
    the top ``k``); InputFileError when the index holds no document ``doc_id``."""
    vector = searcher.vectors([q])[0]
    own = text_terms(searcher.encoder, q) if isinstance(q, str) else None
    hits = searcher.search(vector, k)
    ranked = {hit.doc_id: (rank, hit.score) for rank, hit in enumerate(hits, 1)}
    wanted = [doc_id] if doc_id is not None else [hit.doc_id for hit in hits]
    with jvm.lucene_reader(lucene_index_dir(searcher.index_dir)) as reader:
        lookup = IndexLookup(reader)
        explanations, docs = [], []
        for wanted_id in wanted:
            doc = lookup.doc_number(wanted_id)
            if doc is None:
                raise InputFileError(searcher.index_dir, "no such document in the index", item_id=wanted_id)
            rank, score = ranked.get(wanted_id, (None, None))
            explanations.append(Explanation(wanted_id, rank, score, _matches(lookup, doc, vector, own)))
            docs.append(doc)
        if top_terms:
            vectors = lookup.doc_vectors(docs)
            for explanation, doc in zip(explanations, docs):
                explanation.top_terms = sorted(vectors[doc].items(), key=lambda t: (-t[1], t[0]))[:top_terms]
    return explanations


def _matches(lookup: IndexLookup, doc: int, vector: ImpactVector, own: set[str] | None) -> list[TermMatch]:
    matches = []
    for term, impact in vector.items():
        if doc_impact := lookup.freq(term, doc):
            matches.append(TermMatch(term, impact, doc_impact, None if own is None else term not in own))
    return sorted(matches, key=lambda m: (-m.contribution, m.term))
