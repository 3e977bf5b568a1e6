"""L1: the mean over texts of ``sum_j |w_ij|`` (weights are >= 0 after the activation, so this is their sum)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class L1Loss(nn.Module):
    def compute_loss_from_embeddings(self, embeddings: torch.Tensor) -> torch.Tensor:
        return embeddings.abs().sum(dim=1).mean()

    def forward(self, *args: Any) -> torch.Tensor:
        raise NotImplementedError("L1Loss is a regularizer: call compute_loss_from_embeddings")

    def get_config_dict(self) -> dict[str, Any]:
        return {}
