"""A numpy impact scorer over the same vectors: the test oracle for Lucene (exact integer dot products)."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from ..types import Hit, ImpactVector


class ReferenceScorer:
    """Brute-force scores of query vectors against an in-memory list of document vectors (CSR, int64)."""

    def __init__(self, docs: Iterable[tuple[str, ImpactVector]]) -> None:
        self.doc_ids: list[str] = []
        self.term_index: dict[str, int] = {}
        indptr, indices, data = [0], [], []
        for doc_id, vector in docs:
            self.doc_ids.append(doc_id)
            for term, weight in vector.items():
                indices.append(self.term_index.setdefault(term, len(self.term_index)))
                data.append(weight)
            indptr.append(len(indices))
        self._indptr = np.asarray(indptr, dtype=np.int64)
        self._indices = np.asarray(indices, dtype=np.int64)
        self._data = np.asarray(data, dtype=np.int64)

    def scores(self, query: ImpactVector) -> np.ndarray:
        """Exact integer score of every document, in document order."""
        q = np.zeros(len(self.term_index), dtype=np.int64)
        for term, weight in query.items():
            if term in self.term_index:
                q[self.term_index[term]] = weight
        contributions = q[self._indices] * self._data
        return np.add.reduceat(np.append(contributions, 0), self._indptr[:-1]) * (np.diff(self._indptr) > 0)

    def search(self, query: ImpactVector, k: int = 1000) -> list[Hit]:
        """Top ``k`` documents with a positive score; ties broken by doc id, as Anserini does."""
        scores = self.scores(query)
        candidates = np.flatnonzero(scores > 0)
        ranked = sorted(candidates.tolist(), key=lambda i: (-scores[i], self.doc_ids[i]))[:k]
        return [Hit(self.doc_ids[i], float(scores[i])) for i in ranked]
