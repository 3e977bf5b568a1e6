"""Training queries made from a corpus alone, registered by name in ``SYNTHETIC``: each generator yields
(query id, text, positives) for a stream of documents. The positive is the document the query was made from;
``SourceConfig.exclude_source`` turns it into a document to leave out, so that the query teaches which *other*
documents the teacher ranks high.

- ``title``: a title is a query for its document.
- ``span``: a random 5-12 word span (cropping, as in Contriever).
- ``sentence``: a whole sentence of the document (a claim or statement, as SciFact's queries are).
- ``keyphrase``: 3-6 words of the document drawn by tf-idf weight, in document order (keyword queries, as classic
  test collections have).
- ``passage``: the first 40-120 words of the document (long queries, as ArguAna's arguments are).
- ``counterargument``: ArguAna's training debates, an argument for its counter-argument.

Generators that can make several queries of one document take ``per_document``; the others make at most one.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from typing import Any, Iterable, Iterator, Sequence

from ..registry import Registry
from ..types import Doc

SYNTHETIC: Registry[Any] = Registry("synthetic pair generator")

Pair = tuple[str, str, tuple[str, ...]]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")


@SYNTHETIC.decorator("title")
def title_pairs(docs: Iterable[Doc], seed: int = 0, per_document: int = 1) -> Iterator[Pair]:
    """A document's title is a query for the document (titles of fewer than 3 words, and titles that several
    documents share, such as ArguAna's topic tags, are skipped)."""
    docs = list(docs)
    shared = Counter(doc.title.strip().lower() for doc in docs)
    for doc in docs:
        if len(doc.title.split()) >= 3 and doc.text.strip() and shared[doc.title.strip().lower()] == 1:
            yield f"title:{doc.id}", doc.title, (doc.id,)


@SYNTHETIC.decorator("span")
def span_pairs(docs: Iterable[Doc], seed: int = 0, per_document: int = 1, min_words: int = 5,
               max_words: int = 12) -> Iterator[Pair]:
    """``per_document`` random spans of ``min_words``..``max_words`` words of a document's text (cropping, as in
    Contriever); documents shorter than ``2 * max_words`` words are skipped."""
    rng = random.Random(seed)
    for doc in docs:
        words = doc.text.split()
        if len(words) < 2 * max_words:
            continue
        for k in range(per_document):
            size = rng.randint(min_words, max_words)
            start = rng.randrange(0, len(words) - size)
            yield _id("span", doc.id, k), " ".join(words[start:start + size]), (doc.id,)


@SYNTHETIC.decorator("sentence")
def sentence_pairs(docs: Iterable[Doc], seed: int = 0, per_document: int = 1, min_words: int = 6,
                   max_words: int = 40) -> Iterator[Pair]:
    """Up to ``per_document`` distinct sentences of ``min_words``..``max_words`` words, from documents of at least
    two sentences (so the document says more than the query)."""
    rng = random.Random(seed)
    for doc in docs:
        sentences = [s.strip() for s in _SENTENCE_END.split(doc.text) if s.strip()]
        fitting = [s for s in sentences if min_words <= len(s.split()) <= max_words]
        if len(sentences) < 2 or not fitting:
            continue
        for k, sentence in enumerate(rng.sample(fitting, min(per_document, len(fitting)))):
            yield _id("sentence", doc.id, k), sentence, (doc.id,)


@SYNTHETIC.decorator("keyphrase")
def keyphrase_pairs(docs: Iterable[Doc], seed: int = 0, per_document: int = 1, min_words: int = 3,
                    max_words: int = 6) -> Iterator[Pair]:
    """``per_document`` keyword queries: ``min_words``..``max_words`` distinct words of the document (3+ letters,
    in fewer than a tenth of the documents), drawn without replacement with probability proportional to tf-idf,
    in the order they first appear."""
    docs = list(docs)
    words = [_WORD.findall(doc.contents.lower()) for doc in docs]
    df = Counter(w for ws in words for w in set(ws))
    common = max(2.0, 0.1 * len(docs))
    rng = random.Random(seed)
    for doc, ws in zip(docs, words):
        tf = Counter(w for w in ws if df[w] < common)
        if len(tf) < min_words:
            continue
        first = {w: i for i, w in reversed(list(enumerate(ws)))}
        terms = sorted(tf)
        weights = [tf[w] * math.log(len(docs) / df[w]) for w in terms]
        for k in range(per_document):
            size = min(rng.randint(min_words, max_words), len(terms))
            picked = _weighted_sample(terms, weights, size, rng)
            yield _id("keyphrase", doc.id, k), " ".join(sorted(picked, key=first.__getitem__)), (doc.id,)


@SYNTHETIC.decorator("passage")
def passage_pairs(docs: Iterable[Doc], seed: int = 0, per_document: int = 1, min_words: int = 40,
                  max_words: int = 120) -> Iterator[Pair]:
    """The first ``min_words``..``max_words`` words of a document's contents (title included), from documents of
    at least ``min_words`` words: one per document."""
    rng = random.Random(seed)
    for doc in docs:
        words = doc.contents.split()
        if len(words) >= min_words:
            yield f"passage:{doc.id}", " ".join(words[:rng.randint(min_words, max_words)]), (doc.id,)


@SYNTHETIC.decorator("counterargument")
def counterargument_pairs(docs: Iterable[Doc], seed: int = 0, per_document: int = 1) -> Iterator[Pair]:
    """ArguAna's training debates (ids ``training-...``, disjoint from the test debates): an argument is a query for
    its counter-argument, the construction of ArguAna's test queries (``collections/arguana.py``). Judged by the
    corpus's own structure rather than generated, and never from the test debates."""
    from ..collections.arguana import argument_pairs

    for argument, text, counter in argument_pairs(docs, "training"):
        yield argument, text, (counter,)


def _id(kind: str, doc_id: str, k: int) -> str:
    return f"{kind}:{doc_id}" if k == 0 else f"{kind}:{doc_id}:{k}"


def _weighted_sample(items: Sequence[str], weights: Sequence[float], size: int, rng: random.Random) -> list[str]:
    """``size`` distinct items, drawn one by one with probability proportional to their weight (Efraimidis-Spirakis
    keys)."""
    keys = [rng.random() ** (1.0 / w) if w > 0 else 0.0 for w in weights]
    order = sorted(range(len(items)), key=keys.__getitem__, reverse=True)
    return [items[i] for i in order[:size]]
