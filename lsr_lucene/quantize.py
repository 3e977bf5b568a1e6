"""Float term weights to integer impacts: prune (optional top-k / threshold), scale, round, clip, drop zeros.

Lucene stores an impact as a term frequency, which must be an integer >= 1, so zeros are dropped here and the
settings are written into every manifest so that queries are quantized the same way as documents.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .errors import ConfigError


@dataclass(frozen=True)
class QuantizationConfig:
    scale: float = 100.0
    """Impact = round(weight * scale)."""
    max_impact: int = 1000
    """Impacts above this are clipped (Lucene needs them to fit an int; scores stay exact below 2**24)."""
    top_k: int | None = None
    """Keep only the ``top_k`` largest weights of each vector (None: keep all)."""
    threshold: float = 0.0
    """Drop weights <= threshold before scaling."""

    def __post_init__(self) -> None:
        if not (np.isfinite(self.scale) and self.scale > 0):
            raise ConfigError(f"quantization scale must be a positive number, got {self.scale}")
        if not 1 <= self.max_impact <= 2**31 - 1:
            raise ConfigError(f"max_impact must be between 1 and 2**31-1, got {self.max_impact}")
        if self.top_k is not None and self.top_k < 1:
            raise ConfigError(f"top_k must be >= 1, got {self.top_k}")
        if not (np.isfinite(self.threshold) and self.threshold >= 0):
            raise ConfigError(f"threshold must be a non-negative number, got {self.threshold}")

    def to_dict(self) -> dict:
        return asdict(self)


def quantize(ids: np.ndarray, weights: np.ndarray, config: QuantizationConfig) -> tuple[np.ndarray, np.ndarray]:
    """(ids, impacts) with impacts int32 in [1, max_impact], ids in their input order.

    Raises ValueError for NaN, infinite or negative weights (the caller names the document).
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.size and not (np.isfinite(weights).all() and (weights >= 0).all()):
        bad = weights[~np.isfinite(weights) | (weights < 0)][0]
        raise ValueError(f"weights must be finite and >= 0, got {bad}")
    keep = weights > config.threshold
    if config.top_k is not None and keep.sum() > config.top_k:
        cutoff = np.sort(weights[keep])[-config.top_k]
        keep &= weights >= cutoff
        if keep.sum() > config.top_k:  # ties at the cutoff: keep the lowest ids among them
            tied = np.flatnonzero(keep & (weights == cutoff))
            keep[tied[config.top_k - int((weights > cutoff).sum()):]] = False
    impacts = np.minimum(np.rint(weights[keep] * config.scale), config.max_impact).astype(np.int32)
    ids = np.asarray(ids)[keep]
    nonzero = impacts > 0
    return ids[nonzero], impacts[nonzero]


def quantize_tokens(token_ptr: np.ndarray, ids: np.ndarray, weights: np.ndarray, config: QuantizationConfig
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token vectors in CSR form (token t holds entries ``token_ptr[t] .. token_ptr[t + 1]``) to (token of each
    entry, ids, impacts): weights are scaled, rounded and clipped as in :func:`quantize`, and dropped when
    <= ``threshold`` or when they round to 0. ``top_k`` does not apply (tokens have their own top-k)."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.size and not (np.isfinite(weights).all() and (weights >= 0).all()):
        bad = weights[~np.isfinite(weights) | (weights < 0)][0]
        raise ValueError(f"token weights must be finite and >= 0, got {bad}")
    impacts = np.minimum(np.rint(weights * config.scale), config.max_impact).astype(np.int64)
    keep = (weights > config.threshold) & (impacts > 0)
    tokens = np.repeat(np.arange(len(token_ptr) - 1), np.diff(token_ptr))
    return tokens[keep], np.asarray(ids)[keep], impacts[keep]
