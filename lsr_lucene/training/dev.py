"""Model selection on held-out training queries: rerank each one's BM25 top ``depth`` (plus its positives) with the
model being trained and report nDCG@10 per source, with the vectors' nonzeros. Never uses test qrels.

With teacher weights, also ``agreement@10``: the nDCG@10 of the model's ranking of the teacher's top ``depth`` and
the BM25 top ``depth`` against the teacher's own ranking, its top 10 graded 10 (first) down to 1. A pseudo-query's
own document is easy to rank first; the order of the documents after it is not, so this signal does not saturate
where the positives' nDCG@10 does."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..types import Hit, Qrel
from .dataset import Example, Prepared
from .teachers import ensemble

DEV_METRICS = ("ndcg@10", "agreement@10")
GRADED = 10
"""The teacher's top ``GRADED`` candidates are graded ``GRADED`` (first) down to 1 for ``agreement@10``."""


def encode_texts(view: Any, texts: Sequence[str], max_length: int, documents: bool, batch_size: int = 32) -> Any:
    import torch

    parts = []
    for start in range(0, len(texts), batch_size):
        chunk = texts[start:start + batch_size]
        parts.append(view.documents(chunk, max_length) if documents else view.queries(chunk, max_length))
    return torch.cat(parts) if parts else torch.zeros(0)


def teacher_order(example: Example, weights: dict[str, float], normalization: str) -> list[str]:
    """The example's candidates, best first by the teacher ensemble."""
    combined = ensemble({t: np.asarray(example.scores[t]) for t in weights}, weights, normalization)
    return [example.candidates[i] for i in np.argsort(-combined, kind="stable")]


def _ranked(ids: Sequence[str], scores: Any) -> list[Hit]:
    import torch

    order = torch.argsort(scores, descending=True, stable=True).tolist()
    return [Hit(ids[j], float(scores[j])) for j in order]


def evaluate_dev(view: Any, prepared: Prepared, examples: Sequence[Example], depth: int, max_doc_length: int,
                 max_query_length: int, weights: dict[str, float] | None = None,
                 normalization: str = "zscore") -> dict[str, float]:
    """``ndcg@10/<source>`` per source, their mean ``ndcg@10``, with ``weights`` (the teacher's) the same for
    ``agreement@10``, and mean ``doc_nnz`` / ``query_nnz``."""
    import torch

    from ..evaluation.measures import evaluate

    if not examples:
        return {}
    was_training = view.model.training
    view.model.eval()
    per_source: dict[str, list[float]] = {"ndcg@10": [], "agreement@10": []}
    results: dict[str, float] = {}
    nnz_docs, nnz_queries = [], []
    try:
        with torch.inference_mode():
            for index, source in enumerate(prepared.sources):
                chosen = [e for e in examples if e.query.source == index]
                if not chosen:
                    continue
                lists = [list(dict.fromkeys(e.candidates[:depth] + list(e.query.positives))) for e in chosen]
                teacher = [teacher_order(e, weights, normalization) for e in chosen] if weights else []
                pools = [list(dict.fromkeys(order[:depth] + e.candidates[:depth])) for e, order in zip(chosen, teacher)]
                doc_ids = sorted({d for ids in lists + pools for d in ids})
                row = {d: i for i, d in enumerate(doc_ids)}
                docs = encode_texts(view, [source.docs[d] for d in doc_ids], max_doc_length, True)
                queries = encode_texts(view, [e.query.text for e in chosen], max_query_length, False)
                run = {e.query.id: _ranked(ids, docs[[row[d] for d in ids]] @ queries[i])
                       for i, (e, ids) in enumerate(zip(chosen, lists))}
                qrels = [Qrel(e.query.id, d, 1) for e in chosen for d in e.query.positives]
                measured = {"ndcg@10": evaluate(run, qrels, ("nDCG@10",))["nDCG@10"]}
                if weights:
                    run = {e.query.id: _ranked(ids, docs[[row[d] for d in ids]] @ queries[i])
                           for i, (e, ids) in enumerate(zip(chosen, pools))}
                    graded = [Qrel(e.query.id, d, GRADED - rank) for e, order in zip(chosen, teacher)
                              for rank, d in enumerate(order[:GRADED])]
                    measured["agreement@10"] = evaluate(run, graded, ("nDCG@10",))["nDCG@10"]
                for name, value in measured.items():
                    results[f"{name}/{source.label}"] = value
                    per_source[name].append(value)
                nnz_docs.append(float((docs > 0).sum(dim=1).float().mean()))
                nnz_queries.append(float((queries > 0).sum(dim=1).float().mean()))
    finally:
        view.model.train(was_training)
    for name, values in per_source.items():
        if values:
            results[name] = sum(values) / len(values)
    results["doc_nnz"] = sum(nnz_docs) / len(nnz_docs)
    results["query_nnz"] = sum(nnz_queries) / len(nnz_queries)
    return results
