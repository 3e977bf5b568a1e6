"""Late interaction over sparse token vectors (SLIM): a text's score is the sum over query tokens of the maximum,
over the text's tokens, of the sparse dot product of the two token vectors. With integer impacts it is exact.

Vectorised numpy for one query against many texts (see ``maxsim_scores``); numpy releases the GIL in the heavy
calls, so queries refine in parallel threads.
"""

from __future__ import annotations

import numpy as np

from ..io.token_store import Gathered, TokenVectors, ranges


def _first_of_runs(keys: np.ndarray) -> np.ndarray:
    """Boolean mask of the first element of each run of equal values."""
    first = np.empty(len(keys), bool)
    if len(keys):
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
    return first


def maxsim_scores(query: TokenVectors, docs: Gathered, vocab_size: int) -> np.ndarray:
    """Late-interaction score (int64) of each gathered text for ``query``.

    ``vocab_size`` bounds the term ids of both sides. A query without tokens scores 0 everywhere.

    Work grows with the matching (document entry, query token) pairs, not with the vocabulary or the dense
    [query tokens x document tokens] product: document entries whose term is in the query are expanded into one
    product per query token holding that term, summed per (query token, document token) with ``bincount`` over the
    document tokens that match at all, and maximised per text with ``reduceat``. Sums are float64, exact below
    2**53 (far above top-k x max-impact**2 x query tokens).
    """
    n_docs = len(docs.doc_tokens) - 1
    scores = np.zeros(n_docs, np.int64)
    n_query = query.num_tokens
    if n_query == 0 or n_docs == 0 or len(query.terms) == 0:
        return scores
    # the query's entries grouped by term: term t's query tokens and weights are q_ptr[t] .. q_ptr[t + 1]
    order = np.argsort(query.terms, kind="stable")
    q_terms = np.asarray(query.terms)[order]
    q_token = np.repeat(np.arange(n_query), query.sizes)[order]
    q_weight = np.asarray(query.impacts, np.float64)[order]
    first = np.flatnonzero(_first_of_runs(q_terms))
    q_ptr = np.append(first, len(q_terms))
    lookup = np.full(vocab_size, -1, np.int32)
    lookup[q_terms[first]] = np.arange(len(first), dtype=np.int32)
    # document entries whose term occurs in the query, and the (compacted) document token each belongs to
    rows = lookup[docs.vectors.terms]
    hits = np.flatnonzero(rows >= 0)
    if hits.size == 0:
        return scores
    term = rows[hits]
    token = np.searchsorted(np.cumsum(docs.vectors.sizes, dtype=np.int64), hits, side="right")
    new_token = _first_of_runs(token)
    compact = np.cumsum(new_token) - 1
    n_tokens = int(compact[-1]) + 1
    # one product per (matching entry, query token holding its term), summed per (query token, document token)
    counts = q_ptr[term + 1] - q_ptr[term]
    pairs = ranges(q_ptr[term], q_ptr[term + 1])
    products = np.repeat(np.asarray(docs.vectors.impacts[hits], np.float64), counts) * q_weight[pairs]
    cells = q_token[pairs] * n_tokens + np.repeat(compact, counts)
    dots = np.bincount(cells, weights=products, minlength=n_query * n_tokens).reshape(n_query, n_tokens)
    # max over each text's tokens (tokens are grouped by text), then the sum over query tokens
    doc = np.searchsorted(docs.doc_tokens, token[new_token], side="right") - 1
    doc_first = np.flatnonzero(_first_of_runs(doc))
    scores[doc[doc_first]] = np.maximum.reduceat(dots, doc_first, axis=1).sum(axis=0)
    return scores
