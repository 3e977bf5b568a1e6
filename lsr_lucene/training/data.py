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
from typing import Sequence

from ..collections.base import BadInput
from ..collections.beir import BeirCollection
from ..collections.files import read_queries
from ..collections.resolve import load_collection
from ..errors import ConfigError
from ..io.trec import read_qrels
from .config import SourceConfig
from .pseudo_queries import SYNTHETIC


@dataclass(frozen=True)
class TrainQuery:
    id: str
    text: str
    positives: tuple[str, ...]
    """Judged or known relevant documents; empty until the teacher labels a query that has none (an unjudged
    query, or a pseudo-query whose own document is excluded): then its best-scored candidate."""
    source: int
    """Index of the source (and so of the corpus the documents come from)."""
    dev: bool = False
    exclude: tuple[str, ...] = ()
    """Documents that are never candidates (the document a pseudo-query was made from, with
    ``SourceConfig.exclude_source``)."""


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


def training_collection(spec: str) -> BeirCollection:
    """The BEIR collection ``spec`` names (bad records skipped)."""
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


def _pairs(config: SourceConfig, collection: BeirCollection, seed: int) -> list[tuple[str, str, tuple[str, ...]]]:
    """(query id, text, positives) of a source: generated, unjudged (no positives yet) or judged."""
    if config.synthetic is not None:
        return list(SYNTHETIC.get(config.synthetic)(collection.docs_iter(), seed, config.per_document))
    if not config.qrels:
        return [(q.id, q.text, ()) for q in read_queries(collection.folder / config.queries, BadInput("skip"))]
    return judged_pairs(collection.folder, config.queries, config.qrels)


def _label(config: SourceConfig, name: str) -> str:
    if config.synthetic is not None:
        return f"{name}-{config.synthetic}" + ("-others" if config.exclude_source else "")
    queries = Path(config.queries)
    if config.queries == SourceConfig.queries:
        return name
    return f"{name}-{queries.parts[0] if len(queries.parts) > 1 and not queries.is_absolute() else queries.stem}"


def load_source(config: SourceConfig, index: int, dev_fraction: float, seed: int) -> Source:
    """The corpus and queries of one source, with held-out queries marked ``dev``. Queries whose positives the
    teacher will choose (unjudged queries; pseudo-queries whose own document is excluded) start without any."""
    collection = training_collection(config.collection)
    docs = {doc.id: doc.contents for doc in collection.docs_iter()}
    queries = []
    for qid, text, positives in _pairs(config, collection, seed):
        positives = tuple(d for d in positives if d in docs)
        exclude = positives if config.exclude_source else ()
        positives = () if config.exclude_source else positives
        if text.strip() and (positives or exclude or not config.qrels):
            queries.append(TrainQuery(qid, text, positives, index, is_dev(qid, dev_fraction, seed), exclude))
    if not queries:
        raise ConfigError(f"training source {config.collection!r}: no (query, document) pairs found")
    if config.max_queries is not None:
        train = [q for q in queries if not q.dev]
        keep = {q.id for q in random.Random(seed).sample(train, min(config.max_queries, len(train)))}
        queries = [q for q in queries if q.dev or q.id in keep]
    return Source(collection.name, collection.folder, docs, queries, _label(config, collection.name))


def split_counts(sources: Sequence[Source]) -> dict[str, dict[str, int]]:
    """Per source: training and held-out query counts (for the run summary)."""
    return {s.label: {"train": sum(not q.dev for q in s.queries), "dev": sum(q.dev for q in s.queries),
                     "docs": len(s.docs)} for s in sources}
