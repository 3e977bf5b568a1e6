"""Hard negatives from Lucene: each training query's BM25 top ``depth`` over its own corpus, through the pipeline's
Anserini BM25 index (``indexing/anserini.py``) and searcher (``search/bm25.py``), joined by other retrievers' top
documents where the config asks for them.

The candidates double as the teachers' score lists. A candidate missing from the BM25 list gets the list's lowest
BM25 score (BM25 ranked it below everything it returned).
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


def candidate_list(query: TrainQuery, hits: Sequence[tuple[str, float]], depth: int | None = None,
                   extra: Sequence[str] = ()) -> tuple[list[str], list[float]]:
    """(doc ids, BM25 scores): the first ``depth`` BM25 hits (all without a depth), then the ``extra`` documents
    (other retrievers' hits), then the positives missing from both. The query's own document (a query that is itself
    a document of the corpus, as ArguAna's arguments are: BEIR's convention at test time) and its ``exclude``
    documents are never candidates. Every candidate has its score from ``hits``, or the lowest one there when
    ``hits`` lacks it (BM25 ranked it below everything it returned)."""
    banned = {query.id, *query.exclude}
    hits = [(doc_id, float(score)) for doc_id, score in hits if doc_id not in banned]
    bm25 = dict(reversed(hits))  # a document listed twice keeps its best score
    floor = min(bm25.values()) if bm25 else 0.0
    ids = list(dict.fromkeys(d for d, _ in hits[:depth]))
    for doc_id in [*extra, *query.positives]:
        if doc_id not in banned and doc_id not in ids:
            ids.append(doc_id)
    return ids, [bm25.get(doc_id, floor) for doc_id in ids]
