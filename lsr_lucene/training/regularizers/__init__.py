"""Sparsity regularizers: ``nn.Module``s with ``compute_loss_from_embeddings(embeddings [N, vocab]) -> scalar``,
registered by name (factories, so importing this package loads no torch).

``flops`` and ``l0_mask`` are sentence-transformers' ``FlopsLoss`` (``sum_j (mean_i w_ij)^2``; with a threshold
``t`` only documents with more than ``t`` nonzeros count, the l0 mask of Shen et al. 2025). The others live here:
``idf_flops`` (FLOPS of ``w_ij * idf_j``, with the same optional l0 mask), ``l1``, ``block_l1`` and ``channel_l1``.
"""

from __future__ import annotations

from typing import Any, Callable

from ...errors import ConfigError
from ...registry import Registry

REGULARIZERS: Registry[Callable[..., Any]] = Registry("regularizer")


def _flops(model: Any = None, threshold: float | None = None, **unused: Any) -> Any:
    from sentence_transformers.sparse_encoder.losses import FlopsLoss

    _no_extra("flops", unused)
    return FlopsLoss(model, threshold=threshold)


def _l0_mask(model: Any = None, threshold: float | None = None, **unused: Any) -> Any:
    from sentence_transformers.sparse_encoder.losses import FlopsLoss

    _no_extra("l0_mask", unused)
    if threshold is None:
        raise ConfigError("regularizer 'l0_mask' needs a threshold (nonzeros above which FLOPS applies)")
    return FlopsLoss(model, threshold=threshold)


def _idf_flops(model: Any = None, idf: Any = None, threshold: float | None = None, **unused: Any) -> Any:
    from .idf_flops import IdfFlopsLoss

    _no_extra("idf_flops", unused)
    return IdfFlopsLoss(idf, threshold)


def _l1(model: Any = None, **unused: Any) -> Any:
    from .l1 import L1Loss

    _no_extra("l1", unused)
    return L1Loss()


def _block_l1(model: Any = None, block_size: int = 64, **unused: Any) -> Any:
    from .group_l1 import GroupL1Loss

    _no_extra("block_l1", unused)
    return GroupL1Loss("block", block_size)


def _channel_l1(model: Any = None, **unused: Any) -> Any:
    from .group_l1 import GroupL1Loss

    _no_extra("channel_l1", unused)
    return GroupL1Loss("channel")


def _no_extra(name: str, unused: dict[str, Any]) -> None:
    extra = sorted(k for k in unused if k != "idf")
    if extra:
        raise ConfigError(f"regularizer {name!r} has no parameter(s) {extra}")


REGULARIZERS.register("flops", _flops)
REGULARIZERS.register("l0_mask", _l0_mask)
REGULARIZERS.register("idf_flops", _idf_flops)
REGULARIZERS.register("l1", _l1)
REGULARIZERS.register("block_l1", _block_l1)
REGULARIZERS.register("channel_l1", _channel_l1)


def make_regularizer(name: str, model: Any = None, idf: Any = None, **params: Any) -> Any:
    """The regularizer registered as ``name``; ``idf`` ([vocab] tensor) is passed to those that use it."""
    return REGULARIZERS.get(name)(model=model, idf=idf, **params)
