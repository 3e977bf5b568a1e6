"""Hard negatives from Lucene: each training query's BM25 top ``depth`` over its own corpus, through the pipeline's
Anserini BM25 index (``indexing/anserini.py``) and searcher (``search/bm25.py``).

The candidates double as the teachers' score lists. A positive missing from the BM25 list is added to the candidates
with the list's lowest BM25 score (BM25 ranked it below everything it returned).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..types import Query, Run
from .data import Source, TrainQuery


def bm25_index(source: Source, cache_dir: Path, threads: int = 2, progress: bool = True) -> Path:
    """The BM25 index of ``source``'s corpus under ``cache_dir`` (built once, kept between runs)."""
    from ..collections.beir import BeirCollection
    from ..collections.base import BadInput
    from ..indexing.anserini import index_bm25

    index_dir = cache_dir / "bm25" / source.name
    collection = BeirCollection(source.folder, bad=BadInput("skip"))
    index_bm25(collection.docs_iter(), index_dir, threads, progress=progress, source=str(source.folder.resolve()))
    return index_dir


def bm25_candidates(source: Source, queries: Sequence[TrainQuery], depth: int, cache_dir: Path, threads: int = 2,
                    progress: bool = True) -> Run:
    """query id -> BM25 hits (best first, at most ``depth``) over the source's corpus."""
    from ..search.batch import search_bm25

    index_dir = bm25_index(source, cache_dir, threads, progress)
    run, _ = search_bm25(index_dir, [Query(q.id, q.text) for q in queries], depth, threads)
    return run


def candidate_list(query: TrainQuery, hits: Sequence[tuple[str, float]]) -> tuple[list[str], list[float]]:
    """(doc ids, BM25 scores): the BM25 hits but the query's own document (a query that is itself a document of the
    corpus, as ArguAna's arguments are, is not its own negative: BEIR's convention at test time), then the positives
    BM25 missed at the lowest BM25 score."""
    hits = [(doc_id, score) for doc_id, score in hits if doc_id != query.id]
    ids = [doc_id for doc_id, _ in hits]
    scores = [float(score) for _, score in hits]
    floor = min(scores) if scores else 0.0
    for positive in query.positives:
        if positive not in ids:
            ids.append(positive)
            scores.append(floor)
    return ids, scores
