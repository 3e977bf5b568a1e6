"""Reading one document back from a Lucene impact index: its number, a term's impact in it, all its terms.

An impact index stores no term vectors; a term's impact in a document is the frequency of its posting there, found by
advancing the term's postings to the document (exact, and only the terms asked about are read).
"""

from __future__ import annotations

from typing import Any, Iterable

from .. import jvm
from ..types import ImpactVector

CONTENTS, ID = "contents", "id"


class IndexLookup:
    """Lookups on an open ``DirectoryReader`` (``jvm.lucene_reader``) of an impact index."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        index_reader = jvm.cast("org.apache.lucene.index.IndexReader", self.reader)
        multi_terms = jvm.autoclass("org.apache.lucene.index.MultiTerms")
        self._terms = multi_terms.getTerms(index_reader, CONTENTS)
        self._ids = multi_terms.getTerms(index_reader, ID)
        self._live = jvm.autoclass("org.apache.lucene.index.MultiBits").getLiveDocs(self.reader)
        self._bytes_ref = jvm.autoclass("org.apache.lucene.util.BytesRef")
        self._freqs = jvm.autoclass("org.apache.lucene.index.PostingsEnum").FREQS

    def _is_live(self, doc: int) -> bool:
        return self._live is None or bool(self._live.get(doc))

    def ids(self) -> list[str]:
        """The "id" of every live document, by Lucene doc number."""
        stored = self.reader.storedFields()
        return [stored.document(i).get(ID) for i in range(self.reader.maxDoc()) if self._is_live(i)]

    def postings(self) -> int:
        return int(self._terms.getSumDocFreq()) if self._terms is not None else 0

    def doc_number(self, doc_id: str) -> int | None:
        """The Lucene doc number of the live document ``doc_id``; None when the index holds none."""
        terms = self._ids.iterator() if self._ids is not None else None
        if terms is None or not terms.seekExact(self._bytes_ref(doc_id.encode("utf-8"))):
            return None
        postings = terms.postings(None, 0)
        while (doc := int(postings.nextDoc())) != postings.NO_MORE_DOCS:
            if self._is_live(doc):
                return doc
        return None

    def freq(self, term: str, doc: int) -> int:
        """Term frequency (the impact) of ``term`` in Lucene document ``doc``; 0 when absent."""
        terms = self._terms.iterator()
        if not terms.seekExact(self._bytes_ref(term.encode("utf-8"))):
            return 0
        postings = terms.postings(None, self._freqs)
        return int(postings.freq()) if postings.advance(doc) == doc else 0

    def doc_vectors(self, docs: Iterable[int]) -> dict[int, ImpactVector]:
        """Every term of each Lucene document of ``docs`` with its impact, by one walk of the term dictionary."""
        vectors: dict[int, ImpactVector] = {doc: {} for doc in docs}
        order = sorted(vectors)
        terms, postings = self._terms.iterator(), None
        while (term := terms.next()) is not None:
            postings, at, name = terms.postings(postings, self._freqs), -1, None
            for doc in order:
                if at < doc:
                    at = int(postings.advance(doc))
                if at == doc:
                    name = name or term.utf8ToString()
                    vectors[doc][name] = int(postings.freq())
        return vectors
