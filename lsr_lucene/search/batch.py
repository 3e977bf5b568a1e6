"""Batch search entry points used by the CLI and the pipeline: timed, with the BEIR self-hit rule applied."""

from __future__ import annotations

import os
import time
from typing import Iterable, Iterator, Sequence

from ..engine import DEFAULT_ENGINE
from ..types import Hit, ImpactVector, Query, Run
from .approximate import EXACT, Approximation
from .base import remove_self_hits


def iter_search_vectors(index_dir: str | os.PathLike, vectors: Iterable[tuple[str, ImpactVector]], k: int = 1000,
                        threads: int = 1, remove_self: bool = False, engine: str = DEFAULT_ENGINE,
                        chunk: int = 1000, approximation: Approximation = EXACT
                        ) -> Iterator[tuple[str, list[Hit]]]:
    """(query id, hits) for pre-encoded query vectors, searched by ``engine`` ``chunk`` queries at a time, so memory
    stays flat however many queries stream through; ``approximation`` (plugin only) trades recall for speed."""
    from ..streams import windows
    from .impact import open_impact_searcher

    with open_impact_searcher(index_dir, engine, approximation) as searcher:
        for block in windows(vectors, chunk):
            run = searcher.batch_search([v for _, v in block], [q for q, _ in block], k, threads)
            yield from (remove_self_hits(run) if remove_self else run).items()


def search_vectors(index_dir: str | os.PathLike, vectors: Sequence[tuple[str, ImpactVector]], k: int = 1000,
                   threads: int = 1, remove_self: bool = False, engine: str = DEFAULT_ENGINE,
                   approximation: Approximation = EXACT) -> tuple[Run, float]:
    """(run, seconds spent searching) for pre-encoded query vectors on an impact index, searched by ``engine``
    (``plugin`` or ``anserini``; see ``search.impact.open_impact_searcher``)."""
    started = time.perf_counter()
    run = dict(iter_search_vectors(index_dir, vectors, k, threads, remove_self, engine,
                                   approximation=approximation))
    return run, time.perf_counter() - started


def search_bm25(index_dir: str | os.PathLike, queries: Sequence[Query], k: int = 1000, threads: int = 1,
                remove_self: bool = False, k1: float = 0.9, b: float = 0.4) -> tuple[Run, float]:
    """(run, seconds spent searching) for text queries on a BM25 index."""
    from .bm25 import Bm25Searcher

    with Bm25Searcher(index_dir, k1, b) as searcher:
        started = time.perf_counter()
        run = searcher.batch_search([q.text for q in queries], [q.id for q in queries], k, threads)
        seconds = time.perf_counter() - started
    return (remove_self_hits(run) if remove_self else run), seconds


def search_dense(index_dir: str | os.PathLike, queries: Sequence[Query], k: int = 1000, threads: int = 1,
                 remove_self: bool = False, encoder: object = None, device: str = "auto") -> tuple[Run, float]:
    """(run, seconds spent encoding the queries (on ``device``) and searching) for text queries on a faiss index."""
    from .dense import DenseSearcher

    with DenseSearcher(index_dir, encoder=encoder, device=device) as searcher:
        searcher.encoder  # load the model before the clock starts
        started = time.perf_counter()
        run = searcher.batch_search([q.text for q in queries], [q.id for q in queries], k, threads)
        seconds = time.perf_counter() - started
    return (remove_self_hits(run) if remove_self else run), seconds
