"""Model selection on held-out training queries: rerank each one's BM25 top ``depth`` (plus its positives) with the
model being trained and report nDCG@10 per source, with the vectors' nonzeros. Never uses test qrels."""

from __future__ import annotations

from typing import Any, Sequence

from ..types import Hit, Qrel
from .dataset import Example, Prepared


def _encode(view: Any, texts: Sequence[str], max_length: int, documents: bool, batch_size: int = 32) -> Any:
    import torch

    parts = []
    for start in range(0, len(texts), batch_size):
        chunk = texts[start:start + batch_size]
        parts.append(view.documents(chunk, max_length) if documents else view.queries(chunk, max_length))
    return torch.cat(parts) if parts else torch.zeros(0)


def evaluate_dev(view: Any, prepared: Prepared, examples: Sequence[Example], depth: int, max_doc_length: int,
                 max_query_length: int) -> dict[str, float]:
    """``ndcg@10/<source>`` per source, their mean ``ndcg@10``, and mean ``doc_nnz`` / ``query_nnz``."""
    import torch

    from ..evaluation.measures import evaluate

    if not examples:
        return {}
    was_training = view.model.training
    view.model.eval()
    results: dict[str, float] = {}
    nnz_docs, nnz_queries, per_source = [], [], []
    try:
        with torch.inference_mode():
            for index, source in enumerate(prepared.sources):
                chosen = [e for e in examples if e.query.source == index]
                if not chosen:
                    continue
                lists = [list(dict.fromkeys(e.candidates[:depth] + list(e.query.positives))) for e in chosen]
                doc_ids = sorted({d for ids in lists for d in ids})
                row = {d: i for i, d in enumerate(doc_ids)}
                docs = _encode(view, [source.docs[d] for d in doc_ids], max_doc_length, True)
                queries = _encode(view, [e.query.text for e in chosen], max_query_length, False)
                run = {}
                for i, (example, ids) in enumerate(zip(chosen, lists)):
                    scores = docs[[row[d] for d in ids]] @ queries[i]
                    order = torch.argsort(scores, descending=True, stable=True).tolist()
                    run[example.query.id] = [Hit(ids[j], float(scores[j])) for j in order]
                qrels = [Qrel(e.query.id, d, 1) for e in chosen for d in e.query.positives]
                value = evaluate(run, qrels, ("nDCG@10",))["nDCG@10"]
                results[f"ndcg@10/{source.label}"] = value
                per_source.append(value)
                nnz_docs.append(float((docs > 0).sum(dim=1).float().mean()))
                nnz_queries.append(float((queries > 0).sum(dim=1).float().mean()))
    finally:
        view.model.train(was_training)
    results["ndcg@10"] = sum(per_source) / len(per_source)
    results["doc_nnz"] = sum(nnz_docs) / len(nnz_docs)
    results["query_nnz"] = sum(nnz_queries) / len(nnz_queries)
    return results
