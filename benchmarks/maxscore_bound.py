#!/usr/bin/env python
"""How much safe dynamic pruning (MaxScore) could skip on the scale corpus, at best: for each query, with its exact
k-th score known in advance, the terms are split as MaxScore splits them (by upper bound, weight times the term's
largest impact; the lightest terms whose bounds sum below the k-th score are non-essential) and this reports the
share of the postings in the essential terms and the documents left as candidates for the rest.

    PYTHONPATH=. python benchmarks/maxscore_bound.py [--docs 100000] [--k 10] [--work benchmarks/work]

Reads the 1M-document corpus and the queries that ``benchmarks/scale.py`` wrote under ``WORK/scale`` (numpy and
scipy, no JVM).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.scale import DOC_SCALE, SIZES, WORK


def doc_term_matrix(corpus: Path, docs: int) -> tuple[Any, dict[str, int]]:
    """The first ``docs`` documents of the corpus as a documents x terms matrix of impacts, and the term ids."""
    import scipy.sparse as sp

    from lsr_lucene.io.vectors import DOCS_KIND, read_vectors

    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for row, (_, vector) in enumerate(itertools.islice(read_vectors(corpus, DOCS_KIND), docs)):
        for term, impact in vector.items():
            cols.append(vocab.setdefault(term, len(vocab)))
            vals.append(impact)
            rows.append(row)
    matrix = sp.csc_matrix((np.array(vals, np.float64), (rows, cols)), shape=(row + 1, len(vocab)))
    return matrix, vocab


def bound(matrix: Any, vocab: dict[str, int], queries: list[tuple[str, dict[str, int]]], k: int) -> dict[str, float]:
    """Means over the queries: share of postings in the essential terms, share of documents left as candidates."""
    df = np.diff(matrix.indptr)
    largest = np.zeros(matrix.shape[1])
    nonempty = df > 0
    largest[nonempty] = np.maximum.reduceat(matrix.data, matrix.indptr[:-1][nonempty])
    essential_share, candidate_share, postings = [], [], []
    for _, vector in queries:
        terms = np.array([vocab[t] for t in vector if t in vocab])
        weights = np.array([w for t, w in vector.items() if t in vocab], np.float64)
        upper = weights * largest[terms]
        order = np.argsort(-upper)
        terms, weights, upper = terms[order], weights[order], upper[order]
        kth = np.partition(np.asarray(matrix[:, terms] @ weights).ravel(), -k)[-k]
        rest = np.append(np.cumsum(upper[::-1])[::-1][1:], 0.0)  # bound of the terms after each one
        split = int(np.argmax(rest < kth)) + 1  # essential: the terms up to the first whose rest cannot reach kth
        partial = np.asarray(matrix[:, terms[:split]] @ weights[:split]).ravel()
        essential_share.append(df[terms[:split]].sum() / df[terms].sum())
        candidate_share.append(float((partial >= kth - rest[split - 1]).mean()))
        postings.append(df[terms].sum())
    return {"essential_postings": float(np.mean(essential_share)),
            "candidate_documents": float(np.mean(candidate_share)),
            "postings_per_query": float(np.mean(postings)), "queries": len(queries)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="first documents of the largest corpus")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--work", type=Path, default=WORK)
    args = parser.parse_args(argv)
    scale = args.work / "scale"
    queries = json.loads((scale / "queries-60.json").read_text(encoding="utf-8"))
    matrix, vocab = doc_term_matrix(scale / f"corpus-{max(SIZES)}-x{DOC_SCALE:g}", args.docs)
    result = bound(matrix, vocab, queries, args.k)
    print(json.dumps({"docs": matrix.shape[0], "k": args.k, **result}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
