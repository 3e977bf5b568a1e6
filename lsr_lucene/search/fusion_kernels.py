"""The two loops of fusion, compiled (numba, cached on disk): gathering each query's documents from several runs,
and picking each query's top k. Both are linear in the hits, apart from the sort of each query's fused scores,
which is a radix sort (stable, 8 bits at a time, skipping the bytes that all scores share)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def gather(starts, counts, docs, values, n_docs):
    """(query, document, values ``[run, row]``, present ``[run, row]``) of every (query, document) pair, grouped by
    query, documents in first-seen order: the first run's hits, then the documents only later runs retrieved.
    Run ``r``'s hits of query ``q`` are ``docs[starts[r, q]:starts[r, q] + counts[r, q]]`` (numbers below
    ``n_docs``) with ``values``; a document a run lists twice keeps its first (best) value."""
    n_runs, n_queries = starts.shape
    total = 0
    for r in range(n_runs):
        for q in range(n_queries):
            total += counts[r, q]
    slot = np.full(n_docs, -1, np.int64)
    row_query = np.empty(total, np.int64)
    row_doc = np.empty(total, np.int64)
    row_values = np.zeros((n_runs, total))
    present = np.zeros((n_runs, total), np.bool_)
    rows = 0
    for q in range(n_queries):
        first = rows
        for r in range(n_runs):
            for h in range(starts[r, q], starts[r, q] + counts[r, q]):
                doc = docs[h]
                row = slot[doc]
                if row < 0:
                    row = rows
                    slot[doc] = row
                    row_query[row] = q
                    row_doc[row] = doc
                    rows += 1
                if not present[r, row]:
                    present[r, row] = True
                    row_values[r, row] = values[h]
        for row in range(first, rows):
            slot[row_doc[row]] = -1
    return row_query[:rows], row_doc[:rows], row_values[:, :rows], present[:, :rows]


@numba.njit(cache=True, nogil=True)
def top_per_query(starts, counts, scores, k, with_ties):
    """(positions of each query's top ``k`` scores, best first, then the next query's; count per query) for
    queries whose scores are ``scores[starts[q]:starts[q] + counts[q]]``; tied scores keep their order. With
    ``with_ties`` the scores tied with the k-th are kept too."""
    n_queries = len(starts)
    longest = 0
    for q in range(n_queries):
        longest = max(longest, counts[q])
    keys, spare_keys = np.empty(longest, np.uint64), np.empty(longest, np.uint64)
    order, spare_order = np.empty(longest, np.int64), np.empty(longest, np.int64)
    histogram = np.empty(256, np.int64)
    picked = np.empty(len(scores), np.int64)
    kept = np.zeros(n_queries, np.int64)
    bits = (scores + 0.0).view(np.uint64)  # + 0.0 folds -0.0 into 0.0
    sign = np.uint64(1) << np.uint64(63)
    n_picked = 0
    for q in range(n_queries):
        n = counts[q]
        for i in range(n):
            u = bits[starts[q] + i]  # an unsigned key that sorts ascending as the score sorts descending
            keys[i] = u if u & sign else ~(u | sign)
            order[i] = i
        for shift in range(0, 64, 8):
            histogram[:] = 0
            for i in range(n):
                histogram[(keys[i] >> np.uint64(shift)) & np.uint64(255)] += 1
            if histogram.max() == n:  # every key has this byte: the pass would not move anything
                continue
            total = 0
            for digit in range(256):
                total, histogram[digit] = total + histogram[digit], total
            for i in range(n):
                byte = (keys[i] >> np.uint64(shift)) & np.uint64(255)
                spare_keys[histogram[byte]] = keys[i]
                spare_order[histogram[byte]] = order[i]
                histogram[byte] += 1
            keys, spare_keys = spare_keys, keys
            order, spare_order = spare_order, order
        m = min(k, n)
        if with_ties:
            while m < n and keys[m] == keys[m - 1]:
                m += 1
        for i in range(m):
            picked[n_picked + i] = starts[q] + order[i]
        n_picked += m
        kept[q] = m
    return picked[:n_picked], kept
