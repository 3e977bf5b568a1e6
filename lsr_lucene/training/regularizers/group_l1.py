"""Group L1 (group lasso): the L1 norm of the L2 norms of groups of weights, which zeroes whole groups at once.

- ``block``: groups are, per text, runs of ``block_size`` consecutive term ids: ``(1/N) sum_i sum_b ||w_i,b||_2``.
  ``block_size=1`` is plain L1; larger blocks favour vectors whose nonzeros share few blocks of the vocabulary
  (block-max/skip-friendly posting layouts).
- ``channel``: groups are vocabulary channels across the batch: ``sum_j sqrt((1/N) sum_i w_ij^2)``, which pushes
  each term to be off for every text (short posting lists), as FLOPS does, but with an L2 inside instead of a mean.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ...errors import ConfigError

_EPS = 1e-12


class GroupL1Loss(nn.Module):
    def __init__(self, groups: str = "block", block_size: int = 64) -> None:
        super().__init__()
        if groups not in ("block", "channel"):
            raise ConfigError(f"group L1: groups must be 'block' or 'channel', got {groups!r}")
        if block_size < 1:
            raise ConfigError(f"group L1: block_size must be >= 1, got {block_size}")
        self.groups, self.block_size = groups, block_size

    def compute_loss_from_embeddings(self, embeddings: torch.Tensor) -> torch.Tensor:
        if self.groups == "channel":
            return torch.sqrt((embeddings ** 2).mean(dim=0) + _EPS).sum() - embeddings.shape[1] * _EPS ** 0.5
        n, vocab = embeddings.shape
        pad = (-vocab) % self.block_size
        blocks = nn.functional.pad(embeddings, (0, pad)).view(n, -1, self.block_size)
        norms = torch.sqrt((blocks ** 2).sum(dim=2) + _EPS) - _EPS ** 0.5
        return norms.sum(dim=1).mean()

    def forward(self, *args: Any) -> torch.Tensor:
        raise NotImplementedError("GroupL1Loss is a regularizer: call compute_loss_from_embeddings")

    def get_config_dict(self) -> dict[str, Any]:
        return {"groups": self.groups, "block_size": self.block_size}
