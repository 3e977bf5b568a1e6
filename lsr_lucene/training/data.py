"""Training queries: judged pairs from a collection's train qrels (or synthetic pairs from its corpus), a held-out
slice for model selection, and IDF weights over the training corpora.

Test qrels are refused: a source whose qrels file is named ``test`` raises ConfigError, whatever the collection.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from ..collections.base import BadInput
from ..collections.beir import BeirCollection
from ..collections.files import read_queries
from ..collections.resolve import load_collection
from ..errors import ConfigError
from ..io.trec import read_qrels
from ..registry import Registry
from ..types import Doc
from .config import SourceConfig


@dataclass(frozen=True)
class TrainQuery:
    id: str
    text: str
    positives: tuple[str, ...]
    source: int
    """Index of the source (and so of the corpus the documents come from)."""
    dev: bool = False


@dataclass
class Source:
    """One collection's corpus and its training (and held-out) queries."""

    name: str
    folder: Path
    docs: dict[str, str]
    """doc id -> contents (title and text joined as the pipeline does)."""
    queries: list[TrainQuery]
    label: str = ""
    """How reports name the source: the collection's name, plus what its queries are when they are not the
    collection's own (``arguana-genq``, ``arguana-counterargument``), so two sources of one corpus stay apart."""

    def __post_init__(self) -> None:
        self.label = self.label or self.name


def is_dev(query_id: str, fraction: float, seed: int) -> bool:
    """Whether ``query_id`` is held out: a stable hash of (seed, id) below ``fraction``."""
    digest = hashlib.sha256(f"{seed}:{query_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def _collection(spec: str) -> BeirCollection:
    collection = load_collection(spec, BadInput("skip"))
    if not isinstance(collection, BeirCollection):
        raise ConfigError(f"training source {spec!r} must be a BEIR folder or a collection found in the shared data")
    return collection


def judged_pairs(folder: Path, queries_file: str, qrels_file: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(query id, text, positive doc ids) for every query with a relevance > 0 in ``qrels_file``."""
    qrels_path = folder / qrels_file
    if Path(qrels_file).name.split(".")[0].lower() == "test":
        raise ConfigError(f"{qrels_path}: refusing to train on test qrels (use train qrels, genq, or synthetic pairs)")
    positives: dict[str, list[str]] = defaultdict(list)
    for qrel in read_qrels(qrels_path):
        if qrel.relevance > 0:
            positives[qrel.query_id].append(qrel.doc_id)
    texts = {q.id: q.text for q in read_queries(folder / queries_file, BadInput("skip"))}
    return [(qid, texts[qid], tuple(docs)) for qid, docs in positives.items() if qid in texts]


SYNTHETIC: Registry[Any] = Registry("synthetic pair generator")


@SYNTHETIC.decorator("title")
def title_pairs(docs: Iterable[Doc], seed: int = 0) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """A document's title is a query for the document (titles of fewer than 3 words are skipped)."""
    for doc in docs:
        if len(doc.title.split()) >= 3 and doc.text.strip():
            yield f"title:{doc.id}", doc.title, (doc.id,)


@SYNTHETIC.decorator("span")
def span_pairs(docs: Iterable[Doc], seed: int = 0, min_words: int = 5, max_words: int = 12
               ) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """A random span of ``min_words``..``max_words`` words of a document's text is a query for the document
    (cropping, as in Contriever); documents shorter than ``2 * max_words`` words are skipped."""
    rng = random.Random(seed)
    for doc in docs:
        words = doc.text.split()
        if len(words) < 2 * max_words:
            continue
        size = rng.randint(min_words, max_words)
        start = rng.randrange(0, len(words) - size)
        yield f"span:{doc.id}", " ".join(words[start:start + size]), (doc.id,)


@SYNTHETIC.decorator("counterargument")
def counterargument_pairs(docs: Iterable[Doc], seed: int = 0) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """ArguAna's training debates (ids ``training-...``, disjoint from the test debates): an argument is a query for
    its counter-argument, the construction of ArguAna's test queries (``collections/arguana.py``). Judged by the
    corpus's own structure rather than generated, and never from the test debates."""
    from ..collections.arguana import argument_pairs

    for argument, text, counter in argument_pairs(docs, "training"):
        yield argument, text, (counter,)


def load_source(config: SourceConfig, index: int, dev_fraction: float, seed: int) -> Source:
    """The corpus and queries of one source, with held-out queries marked ``dev``."""
    collection = _collection(config.collection)
    docs = {doc.id: doc.contents for doc in collection.docs_iter()}
    if config.synthetic is not None:
        pairs = list(SYNTHETIC.get(config.synthetic)(collection.docs_iter(), seed))
    else:
        pairs = judged_pairs(collection.folder, config.queries, config.qrels)
    pairs = [(qid, text, tuple(d for d in pos if d in docs)) for qid, text, pos in pairs]
    pairs = [p for p in pairs if p[2] and p[1].strip()]
    if not pairs:
        raise ConfigError(f"training source {config.collection!r}: no (query, document) pairs found")
    queries = [TrainQuery(qid, text, pos, index, is_dev(qid, dev_fraction, seed)) for qid, text, pos in pairs]
    if config.max_queries is not None:
        train = [q for q in queries if not q.dev]
        keep = {q.id for q in random.Random(seed).sample(train, min(config.max_queries, len(train)))}
        queries = [q for q in queries if q.dev or q.id in keep]
    own = config.synthetic is None and config.queries == SourceConfig.queries
    label = collection.name if own else f"{collection.name}-{config.synthetic or Path(config.queries).parts[0]}"
    return Source(collection.name, collection.folder, docs, queries, label)


def split_counts(sources: Sequence[Source]) -> dict[str, dict[str, int]]:
    """Per source: training and held-out query counts (for the run summary)."""
    return {s.label: {"train": sum(not q.dev for q in s.queries), "dev": sum(q.dev for q in s.queries),
                     "docs": len(s.docs)} for s in sources}
