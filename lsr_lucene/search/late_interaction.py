"""Late interaction over sparse token vectors (SLIM): a text's score is the sum over query tokens of the maximum,
over the text's tokens, of the sparse dot product of the two token vectors. With integer impacts it is exact.

``maxsim_scores`` scores one query against many texts with a compiled kernel (numba, cached on disk) that reads the
texts' entries in place from the memory-mapped store: a lookup from term id to the query's term slot, then per text
one pass over its entries that sums, per document token, the query's dense [term slot x query token] weight rows
(exact int64), a running maximum per query token, and the sum. No Python and no temporaries per text; the GIL is
released, so threads scale. The first call in a process loads the compiled kernel from numba's on-disk cache (about
1 s and 60 MiB on top of numba's import, 0.5 s and 65 MiB); compiling it happens once per machine and array types
(about 3 s).

A document store leaves out the tokens that can never be that maximum (``encoding.stages.tokens.dominated_tokens``).
"""

from __future__ import annotations

import numba
import numpy as np

from ..io.token_store import Gathered, TokenVectors


def maxsim_scores(query: TokenVectors, docs: Gathered) -> np.ndarray:
    """Late-interaction score (int64) of each gathered text for ``query``; 0 for a text sharing no term with it.

    Query impacts must fit int32; products and sums are int64: exact for realistic impacts and lengths."""
    q_tokens, q_terms, q_impacts = (np.asarray(a, dtype=np.int64) for a in query)
    scores = np.zeros(docs.count, np.int64)
    if len(q_terms) == 0 or docs.count == 0:
        return scores
    terms, column = np.unique(q_terms, return_inverse=True)
    if terms[0] < 0 or q_tokens.min() < 0 or not 0 <= q_impacts.min() <= q_impacts.max() < 2**31:
        raise ValueError("query token vectors hold a negative token position or term id, or an impact outside "
                         "0 .. 2**31 - 1")
    slot_of = np.full(int(terms[-1]) + 2, -1, np.int32)  # the last slot stays -1: any larger term maps there
    slot_of[terms] = np.arange(len(terms))
    weights = np.zeros((len(terms), int(q_tokens.max()) + 1), np.int32)  # [query term, query token]
    weights[column, q_tokens] = q_impacts
    for positions, part in docs.groups:
        scores[positions] = _maxsim(slot_of, weights, part.starts, part.ends, part.tokens, part.terms, part.impacts)
    return scores


@numba.njit(cache=True, nogil=True)
def _maxsim(slot_of, weights, starts, ends, tokens, terms, impacts):
    """Scores of the texts owning entries ``starts[d] .. ends[d]`` (grouped by token). Per text, a branch-free pass
    keeps the entries whose term is in the query; per document token, the weight rows of its kept entries, scaled by
    their impacts, sum to its dot product with every query token, and the last one folds that into a running maximum
    per query token (one pass over the row per entry)."""
    n_query = weights.shape[1]
    limit = np.uint64(len(slot_of) - 1)
    scores = np.zeros(len(starts), np.int64)
    dot = np.zeros(n_query, np.int64)
    best = np.zeros(n_query, np.int64)
    longest = 0
    for d in range(len(starts)):
        longest = max(longest, ends[d] - starts[d])
    hit = np.empty(longest, np.int64)
    hit_slot = np.empty(longest, np.int64)
    for d in range(len(starts)):
        n = 0
        for i in range(starts[d], ends[d]):
            slot = slot_of[min(np.uint64(terms[i]), limit)]
            hit[n] = i
            hit_slot[n] = slot
            n += slot >= 0
        for h in range(n):
            first = h == 0 or tokens[hit[h]] != tokens[hit[h - 1]]
            last = h == n - 1 or tokens[hit[h]] != tokens[hit[h + 1]]
            weight = np.int64(impacts[hit[h]])
            row = weights[hit_slot[h]]
            if first and last:
                for q in range(n_query):
                    best[q] = max(best[q], weight * row[q])
            elif first:
                for q in range(n_query):
                    dot[q] = weight * row[q]
            elif last:
                for q in range(n_query):
                    best[q] = max(best[q], dot[q] + weight * row[q])
            else:
                for q in range(n_query):
                    dot[q] += weight * row[q]
        total = 0
        for q in range(n_query):
            total += best[q]
            best[q] = 0
        scores[d] = total
    return scores
