"""Late interaction over sparse token vectors (SLIM): a text's score is the sum over query tokens of the maximum,
over the text's tokens, of the sparse dot product of the two token vectors. With integer impacts it is exact.

``maxsim_scores`` scores one query against many texts with a few vectorised passes: a vocabulary-sized lookup finds
the document entries whose term is in the query, those entries form a sparse [document tokens x query terms] matrix
(scipy's CSR kernels) that multiplies the [query terms x query tokens] weights, and the maximum is taken per text and
query token. Short queries use dense weights and ``reduceat``; long ones (most terms in few of many query tokens)
keep the product sparse and use ``maximum.at`` (``SPARSE_COST`` decides per query). No Python loop runs per text.

``dominated_tokens`` finds document tokens that can never be that maximum (weights are >= 0, so a token whose every
weight is at most another token's weight on the same term never scores higher): a document store may leave them out
without changing any score.
"""

from __future__ import annotations

import numpy as np

from ..io.token_store import Gathered, TokenVectors

try:  # scipy's CSR kernels, called without the checks of building sparse arrays (most of the time for small inputs)
    from scipy.sparse._sparsetools import csr_matmat as _csr_matmat
    from scipy.sparse._sparsetools import csr_matmat_maxnnz as _csr_matmat_maxnnz
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - another scipy layout: the public API below
    _csr_matvecs = _csr_matmat = _csr_matmat_maxnnz = None


SPARSE_COST = 15
"""Relative cost of one sparse (hit, query token) product against one dense cell; picks the path per query."""


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
    fit (bounded by the actual weights), else in int64; sums over query tokens in int64.
    """
    n_docs = len(docs.doc_entries) - 1
    scores = np.zeros(n_docs, np.int64)
    q_tokens, q_terms, q_impacts = (np.asarray(a) for a in query)
    if n_docs == 0 or len(q_terms) == 0:
        return scores
    terms, column = np.unique(q_terms, return_inverse=True)
    lookup = np.full(vocab_size, -1, np.int16 if len(terms) < 2**15 else np.int32)
    lookup[terms] = np.arange(len(terms))
    rows = lookup[docs.terms]  # each entry's column among the query's terms, -1 if none
    hits = np.flatnonzero(rows >= 0)
    if hits.size == 0:
        return scores
    rows = rows[hits]
    doc = np.searchsorted(docs.doc_entries, hits, side="right") - 1
    impacts = docs.take("impacts", hits, doc)
    dtype = np.int32 if int(impacts.max()) * int(q_impacts.max()) * len(terms) < 2**31 else np.int64
    n_query = int(q_tokens.max()) + 1
    # hits are grouped by text, then by token: a new (text, token) pair starts a row of the sparse matrix
    starts = np.flatnonzero(_first_of_runs((doc << 32) + docs.take("tokens", hits, doc)))
    indptr = np.append(starts, len(hits))
    token_doc = doc[starts]
    pairs = int(np.bincount(column, minlength=len(terms))[rows].sum())  # (hit, query token) products
    if pairs * SPARSE_COST < (len(hits) + len(starts)) * n_query:
        # long queries: each term is in few query tokens; keep the products sparse, maximise per (text, token)
        by_term = np.argsort(column, kind="stable")
        q_ptr = np.zeros(len(terms) + 1, np.int64)
        np.cumsum(np.bincount(column, minlength=len(terms)), out=q_ptr[1:])
        dots_ptr, dots_token, dots = _sparse_times_sparse(indptr, rows, impacts.astype(dtype), q_ptr,
                                                          q_tokens[by_term], q_impacts[by_term].astype(dtype),
                                                          n_query)
        best = np.zeros(n_docs * n_query, dots.dtype)
        np.maximum.at(best, np.repeat(token_doc * n_query, np.diff(dots_ptr)) + dots_token, dots)
        return best.reshape(n_docs, n_query).sum(axis=1, dtype=np.int64)
    weights = np.zeros((len(terms), n_query), dtype)
    weights[column, q_tokens] = q_impacts
    dots = _sparse_times_dense(indptr, rows, impacts.astype(dtype), weights)  # [document tokens, query tokens]
    doc_first = np.flatnonzero(_first_of_runs(token_doc))
    scores[token_doc[doc_first]] = np.maximum.reduceat(dots, doc_first, axis=0).sum(axis=1, dtype=np.int64)
    return scores


def _sparse_times_sparse(a_ptr: np.ndarray, a_idx: np.ndarray, a_data: np.ndarray, b_ptr: np.ndarray,
                         b_idx: np.ndarray, b_data: np.ndarray, n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR times CSR (``n_cols`` columns): the product's (indptr, indices, data), duplicates summed."""
    n_rows = len(a_ptr) - 1
    if _csr_matmat is None:  # pragma: no cover
        import scipy.sparse

        a = scipy.sparse.csr_array((a_data, a_idx, a_ptr), shape=(n_rows, len(b_ptr) - 1))
        c = (a @ scipy.sparse.csr_array((b_data, b_idx, b_ptr), shape=(len(b_ptr) - 1, n_cols))).tocsr()
        return c.indptr, c.indices, c.data
    a_ptr, a_idx, b_ptr, b_idx = (x.astype(np.int64) for x in (a_ptr, a_idx, b_ptr, b_idx))
    nnz = _csr_matmat_maxnnz(n_rows, n_cols, a_ptr, a_idx, b_ptr, b_idx)
    c_ptr, c_idx, c_data = np.empty(n_rows + 1, np.int64), np.empty(nnz, np.int64), np.empty(nnz, a_data.dtype)
    _csr_matmat(n_rows, n_cols, a_ptr, a_idx, a_data, b_ptr, b_idx, b_data, c_ptr, c_idx, c_data)
    return c_ptr, c_idx[:c_ptr[-1]], c_data[:c_ptr[-1]]


def _sparse_times_dense(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """CSR matrix (rows ``indptr``, columns ``indices``, values ``data``) times ``dense``, in ``dense``'s type."""
    rows, (inner, cols) = len(indptr) - 1, dense.shape
    if _csr_matvecs is None:  # pragma: no cover
        import scipy.sparse

        return scipy.sparse.csr_array((data, indices, indptr), shape=(rows, inner)) @ dense
    out = np.zeros((rows, cols), dense.dtype)
    _csr_matvecs(rows, inner, cols, indptr.astype(np.int32), indices.astype(np.int32), data, dense.ravel(),
                 out.ravel())
    return out


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
