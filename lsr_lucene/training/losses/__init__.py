"""Ranking losses, registered by name. All three are sentence-transformers' own (their
``compute_loss_from_embeddings(embeddings, labels)`` is what the trainer calls; embeddings are
``[query, positive, negative_1, ...]``, each ``[batch, vocab]``, and labels the teacher's scores of
``[positive, negative_1, ...]``):

- ``in_batch``: ``SparseMultipleNegativesRankingLoss``, contrastive over the positive, the hard negatives and every
  other document of the batch (no teacher).
- ``margin_mse``: ``SparseMarginMSELoss``, MSE between the student's and the teacher's ``pos - neg`` margins.
- ``kl_distill``: ``SparseDistillKLDivLoss``, KL divergence between the teacher's and the student's softmax over
  ``[positive, negatives]``.
"""

from __future__ import annotations

from typing import Any, Callable

from ...errors import ConfigError
from ...registry import Registry

LOSSES: Registry[Callable[..., Any]] = Registry("loss")
NEEDS_TEACHER = {"margin_mse", "kl_distill"}


def _in_batch(model: Any, scale: float = 1.0) -> Any:
    from sentence_transformers.sparse_encoder.losses import SparseMultipleNegativesRankingLoss

    return SparseMultipleNegativesRankingLoss(model, scale=scale)


def _margin_mse(model: Any) -> Any:
    from sentence_transformers.sparse_encoder.losses import SparseMarginMSELoss

    return SparseMarginMSELoss(model)


def _kl_distill(model: Any, temperature: float = 1.0) -> Any:
    from sentence_transformers.sparse_encoder.losses import SparseDistillKLDivLoss

    return SparseDistillKLDivLoss(model, temperature=temperature)


LOSSES.register("in_batch", _in_batch)
LOSSES.register("margin_mse", _margin_mse)
LOSSES.register("kl_distill", _kl_distill)


def make_loss(name: str, model: Any, **params: Any) -> Any:
    """The loss registered as ``name`` with its parameters (a TypeError names the bad parameter)."""
    factory = LOSSES.get(name)
    try:
        return factory(model, **params)
    except TypeError as exc:
        raise ConfigError(f"loss {name!r}: {exc}") from None
