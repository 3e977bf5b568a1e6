"""One optimisation step of a sparse encoder: encode a batch's queries and documents, sum the named loss terms,
backpropagate, clip and step (the trainer's step, and the GPU benchmark's, which runs without the trainer's data
preparation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

from .losses import NEEDS_TEACHER


@dataclass(frozen=True)
class Objective:
    """What a step minimises and how texts are cut: weighted ranking losses ``(name, weight, loss)``, the document
    regularizer and (or None) the query one."""

    losses: tuple[tuple[str, float, Any], ...]
    document_regularizer: Any
    query_regularizer: Any | None
    max_query_length: int
    max_doc_length: int
    max_grad_norm: float


class Step(NamedTuple):
    """A finished step: the total loss, each named term, and the batch's query and document vectors."""

    total: Any
    terms: dict[str, Any]
    queries: Any
    """[queries, vocab]"""
    documents: Any
    """[queries x (1 + negatives), vocab]: each column of documents in turn (positives first)."""


def train_step(view: Any, optimizer: Any, objective: Objective, queries: Sequence[str],
               columns: Sequence[Sequence[str]], labels: Any, lambda_document: float, lambda_query: float) -> Step:
    """One step on ``queries`` and their documents (``columns[c][i]`` is query ``i``'s document ``c``; the positive
    first); ``labels`` ([queries, columns] teacher scores, a numpy array) go to the distillation losses. The tensors
    live on the model's device (``view.device``)."""
    import torch

    query_vectors = view.queries(list(queries), objective.max_query_length)
    all_docs = view.documents([text for column in columns for text in column], objective.max_doc_length)
    embeddings = [query_vectors, *all_docs.split(len(queries))]
    teacher = torch.from_numpy(labels).to(view.device) if labels is not None else None
    terms: dict[str, Any] = {}
    for name, weight, loss in objective.losses:
        terms[f"loss/{name}"] = weight * loss.compute_loss_from_embeddings(
            embeddings, teacher if name in NEEDS_TEACHER else None)
    terms["reg/document"] = lambda_document * objective.document_regularizer.compute_loss_from_embeddings(all_docs)
    if objective.query_regularizer is not None:
        terms["reg/query"] = lambda_query * objective.query_regularizer.compute_loss_from_embeddings(query_vectors)
    total = sum(terms.values())
    optimizer.zero_grad(set_to_none=True)
    total.backward()
    torch.nn.utils.clip_grad_norm_(list(view.parameters()), objective.max_grad_norm)
    optimizer.step()
    view.clamp_query_table()
    return Step(total, terms, query_vectors, all_docs)
