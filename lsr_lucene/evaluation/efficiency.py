"""Efficiency figures: nonzeros per vector, FLOPS, index size, throughput.

FLOPS follows the SPLADE papers (Paria et al. 2020; Formal et al. 2021): the expected number of multiplications
for one query-document pair, ``sum_t p_q(t) * p_d(t)``, where ``p_q(t)`` is the fraction of queries and ``p_d(t)``
the fraction of documents whose vector holds term ``t``.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Mapping

from ..types import ImpactVector


def query_term_fractions(vectors: Iterable[ImpactVector]) -> tuple[dict[str, float], int, float]:
    """(term -> fraction of queries holding it, number of queries, mean nonzeros per query)."""
    counts: Counter[str] = Counter()
    n = nnz = 0
    for vector in vectors:
        n += 1
        nnz += len(vector)
        counts.update(vector.keys())
    return ({t: c / n for t, c in counts.items()} if n else {}), n, (nnz / n if n else 0.0)


def flops(query_fractions: Mapping[str, float], doc_freqs: Mapping[str, int], num_docs: int) -> float:
    """``sum_t p_q(t) * df(t) / num_docs`` over the query terms."""
    if num_docs <= 0:
        return 0.0
    return sum(p * doc_freqs.get(t, 0) for t, p in query_fractions.items()) / num_docs


def lucene_doc_freqs(index_dir: str, terms: Iterable[str], field: str = "contents") -> dict[str, int]:
    """Document frequency of each term in a Lucene index (0 when absent)."""
    from .. import jvm

    term_class = jvm.autoclass("org.apache.lucene.index.Term")
    with jvm.lucene_reader(index_dir) as reader:
        return {t: int(reader.docFreq(term_class(field, t))) for t in terms}
