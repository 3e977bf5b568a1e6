"""Late interaction over sparse token vectors (SLIM): a text's score is the sum over query tokens of the maximum,
over the text's tokens, of the sparse dot product of the two token vectors. With integer impacts it is exact.

``maxsim_scores`` scores one query against many texts with a few vectorised passes: a vocabulary-sized lookup finds
the document entries whose term is in the query, those entries form a sparse [document tokens x query terms] matrix
(scipy CSR) that multiplies the dense [query terms x query tokens] weights, and ``reduceat`` takes the maximum per text.
numpy and scipy release the GIL in these calls, so queries refine in parallel threads.

``dominated_tokens`` finds document tokens that can never be that maximum (weights are >= 0, so a token whose every
weight is at most another token's weight on the same term never scores higher): a document store may leave them out
without changing any score.
"""

from __future__ import annotations

import numpy as np

from ..io.token_store import Gathered, TokenVectors


def _first_of_runs(keys: np.ndarray) -> np.ndarray:
    """Boolean mask of the first element of each run of equal values."""
    first = np.empty(len(keys), bool)
    if len(keys):
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
    return first


def maxsim_scores(query: TokenVectors, docs: Gathered, vocab_size: int) -> np.ndarray:
    """Late-interaction score (int64) of each gathered text for ``query``; 0 for a text sharing no term with it.

    ``vocab_size`` bounds the term ids of both sides. Per-token dot products are computed in int32 when they must
    fit (top-k x max impact**2 bounded by the actual weights), else in int64; sums over query tokens in int64.
    """
    import scipy.sparse

    n_docs = len(docs.doc_entries) - 1
    scores = np.zeros(n_docs, np.int64)
    q_tokens, q_terms, q_impacts = (np.asarray(a) for a in query)
    if n_docs == 0 or len(q_terms) == 0:
        return scores
    terms, column = np.unique(q_terms, return_inverse=True)
    lookup = np.full(vocab_size, -1, np.int16 if len(terms) < 2**15 else np.int32)
    lookup[terms] = np.arange(len(terms))
    rows = lookup[docs.vectors.terms]
    hits = np.flatnonzero(rows >= 0)
    if hits.size == 0:
        return scores
    impacts = docs.vectors.impacts[hits]
    bound = int(impacts.max()) * int(q_impacts.max()) * len(terms)
    dtype = np.int32 if bound < 2**31 else np.int64
    token_ids, q_token = np.unique(q_tokens, return_inverse=True)
    weights = np.zeros((len(terms), len(token_ids)), dtype)
    weights[column, q_token] = q_impacts
    # hits are grouped by text, then by token: a new (text, token) pair starts a row of the sparse matrix
    doc = np.searchsorted(docs.doc_entries, hits, side="right") - 1
    key = (doc << 32) + docs.vectors.tokens[hits]  # token positions are < 2**32
    starts = np.flatnonzero(_first_of_runs(key))
    matrix = scipy.sparse.csr_array((impacts.astype(dtype), rows[hits].astype(np.int32),
                                     np.append(starts, len(hits)).astype(np.int32)), shape=(len(starts), len(terms)))
    dots = matrix @ weights  # [matched document tokens, query tokens]
    token_doc = doc[starts]
    doc_first = np.flatnonzero(_first_of_runs(token_doc))
    scores[token_doc[doc_first]] = np.maximum.reduceat(dots, doc_first, axis=0).sum(axis=1, dtype=np.int64)
    return scores


def dominated_tokens(vectors: TokenVectors) -> np.ndarray:
    """Per token position of one text (0 .. max position), True when the token can be left out of a document's
    token vectors without changing any late-interaction score: it has no entries, or another token has at least its
    weight on each of its terms (of identical tokens the first stays)."""
    tokens, terms, impacts = (np.asarray(a) for a in vectors)
    n = int(tokens.max()) + 1 if len(tokens) else 0
    drop = np.bincount(tokens, minlength=n) == 0
    if n < 2:
        return drop
    unique_terms, column = np.unique(terms, return_inverse=True)
    dense = np.zeros((n, len(unique_terms)), np.int64)
    dense[tokens, column] = impacts
    at_least = dense[:, column] >= impacts  # [token u, entry e]: u's weight on e's term >= e's weight
    starts = np.flatnonzero(_first_of_runs(tokens))
    covers = np.zeros((n, n), bool)  # covers[u, v]: u >= v on every term of v
    covers[:, tokens[starts]] = np.logical_and.reduceat(at_least, starts, axis=1)
    np.fill_diagonal(covers, False)
    earlier = np.triu(np.ones((n, n), bool), 1)  # earlier[u, v]: u < v
    beaten = covers & (~covers.T | earlier)
    return drop | beaten.any(axis=0)
