"""BMP (block-max pruning, ``pip install bmp==0.2.8``) as an anchor, used so that its rankings are exact.

Why a naive use of BMP's Python bindings ranks differently from exact scoring (read in pisa-engine/BMP at the commit
behind 0.2.8: ``python/src/lib.rs``, ``src/index/forward_index.rs``, ``src/search.rs``):

1. ``Searcher.search`` rescales every query so that its largest weight is 32 (``MAX_TERM_WEIGHT``) and rounds each
   weight up (``ceil``): scores come in other units (for SPLADE-tiny queries, whose largest weight is ~220, about
   1/7 of the dot product) and the rounding changes the ranking.
2. Document impacts are stored as ``u8`` (``score as u8``): impacts above 255 wrap around modulo 256.
3. Scores are summed in ``u16`` (``doc_score[..] += value as u16 * impact as u16``), which wraps past 65,535: the
   best documents of long queries drop out of the top k.
4. The block loop scores a candidate block only when it moves to the next one, so the last candidate block is never
   scored: on a collection of one block (up to ``bsize`` documents) nothing is returned, and small collections
   lose documents whenever the loop does not stop early.
5. A document enters the top k only when its score is strictly above the current threshold, which starts at the
   k-th largest impact of one query term times its weight: documents tied with it are dropped, and ties at the
   k-th place are kept in the order met, not by document id.

What this benchmark does about it: queries are quantized to BMP's own 5-bit scale before any engine sees them
(``bmp_query``: BMP's formula, so its rescaling is then the identity), document impacts are requantized by the
corpus generator so that no score of a benchmark query reaches 65,536 (``check_scores``), and every engine searches
these same vectors. Then BMP's exact mode (alpha = beta = 1) returns the exact scores (checked against the plugin,
``same_ranking``); 4 and 5 remain (ties, and the collections of a few blocks, which the scale corpus is not).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

MAX_QUERY_WEIGHT = 32
"""BMP's ``MAX_TERM_WEIGHT``: ``Searcher.search`` rescales each query so that its largest weight is this."""
MAX_SCORE = 65_535
"""BMP sums scores in u16."""
MAX_IMPACT = 255
"""BMP stores document impacts in u8."""


def bmp_query(vector: dict[str, int]) -> dict[str, int]:
    """The query as BMP's ``Searcher.search`` quantizes it (largest weight 32, each weight rounded up, in float32);
    a vector already at that scale comes back unchanged."""
    if not vector:
        return {}
    scale = np.float32(MAX_QUERY_WEIGHT) / np.float32(max(vector.values()))
    return {term: int(np.ceil(np.float32(weight) * scale)) for term, weight in vector.items()}


def check_scores(top_scores: Iterable[float], max_impact: int) -> None:
    """Raise ValueError when BMP's integer widths cannot hold the corpus or a query's best score."""
    if max_impact > MAX_IMPACT:
        raise ValueError(f"document impacts reach {max_impact}; BMP stores {MAX_IMPACT} at most (u8)")
    worst = max(top_scores, default=0)
    if worst > MAX_SCORE:
        raise ValueError(f"a query's best score is {worst:.0f}; BMP sums scores in u16 (at most {MAX_SCORE})")


def build(vector_files: Sequence[Path], path: Path, bsize: int = 32, compress_range: bool = False) -> dict:
    """A BMP index of JsonVectorCollection files (documents in file order); seconds and bytes."""
    import json

    import bmp

    started = time.perf_counter()
    indexer = bmp.Indexer(str(path), bsize, compress_range)
    for file in vector_files:
        with open(file, encoding="utf-8") as stream:
            for line in stream:
                record = json.loads(line)
                indexer.add_document(record["id"], record["vector"])
    indexer.finish()
    return {"seconds": time.perf_counter() - started, "bytes": os.path.getsize(path), "bsize": bsize,
            "compress_range": compress_range}


class BmpSearcher:
    """BMP's in-memory searcher: one query per call (the bindings hold the GIL: one thread)."""

    def __init__(self, path: Path) -> None:
        import bmp

        started = time.perf_counter()
        self._searcher = bmp.Searcher(str(path))
        self.load_seconds = time.perf_counter() - started

    def search(self, vectors: Sequence[dict[str, int]], k: int, alpha: float = 1.0, beta: float = 1.0
               ) -> tuple[list[tuple[list[str], list[float]]], np.ndarray]:
        """(doc ids and scores per query, seconds per query)."""
        hits, seconds = [], np.zeros(len(vectors))
        for i, vector in enumerate(vectors):
            query = {t: float(w) for t, w in vector.items()}
            started = time.perf_counter()
            try:
                found = self._searcher.search(query, k, alpha, beta)
            except BaseException as exc:  # a panic: no block above the initial threshold (nothing to return)
                if type(exc).__name__ != "PanicException":
                    raise
                found = ([], [])
            seconds[i] = time.perf_counter() - started
            hits.append(found)
        return hits, seconds
