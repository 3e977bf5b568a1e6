"""Late interaction over sparse token vectors (SLIM): a text's score is the sum over query tokens of the maximum,
over the text's tokens, of the sparse dot product of the two token vectors. With integer impacts it is exact.

Vectorised for one query against many texts: the query's terms become a small dense [terms x query tokens] matrix,
every document entry looks up its term's row (a vocabulary-sized index array), and only the entries whose term occurs
in the query are multiplied; sums per document token and maxima per text are ``reduceat`` over contiguous runs.
"""

from __future__ import annotations

import numpy as np

from ..io.token_store import Gathered, TokenVectors


def _token_ptr(sizes: np.ndarray) -> np.ndarray:
    ptr = np.zeros(len(sizes) + 1, np.int64)
    np.cumsum(sizes, out=ptr[1:])
    return ptr


def _runs(keys: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in a sorted array."""
    return np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))


def maxsim_scores(query: TokenVectors, docs: Gathered, vocab_size: int) -> np.ndarray:
    """Late-interaction score (int64) of each gathered text for ``query``.

    ``vocab_size`` bounds the term ids of both sides. A query without tokens scores 0 everywhere.
    """
    n_docs = len(docs.doc_tokens) - 1
    scores = np.zeros(n_docs, np.int64)
    if query.num_tokens == 0 or n_docs == 0 or len(query.terms) == 0:
        return scores
    query_terms, column = np.unique(np.asarray(query.terms, np.int64), return_inverse=True)
    weights = np.zeros((len(query_terms), query.num_tokens), np.int64)
    np.add.at(weights, (column, np.repeat(np.arange(query.num_tokens), query.sizes)), query.impacts)
    lookup = np.full(vocab_size, -1, np.int32)
    lookup[query_terms] = np.arange(len(query_terms), dtype=np.int32)
    rows = lookup[docs.vectors.terms]
    hits = np.flatnonzero(rows >= 0)
    if hits.size == 0:
        return scores
    token = np.searchsorted(_token_ptr(docs.vectors.sizes), hits, side="right") - 1
    products = weights[rows[hits]] * docs.vectors.impacts[hits].astype(np.int64)[:, None]
    starts = _runs(token)
    per_token = np.add.reduceat(products, starts, axis=0)
    doc = np.searchsorted(docs.doc_tokens, token[starts], side="right") - 1
    doc_starts = _runs(doc)
    scores[doc[doc_starts]] = np.maximum.reduceat(per_token, doc_starts, axis=0).sum(axis=1)
    return scores
