"""IDF-aware FLOPS (Geng et al. 2024, arXiv 2411.04403), with the optional l0 mask of Shen et al. 2025
(arXiv 2504.14839): ``sum_j ((1/N) sum_i M_i * w_ij * idf_j)^2`` with ``M_i = 1[nnz(w_i) > t]`` (1 without ``t``).

For an inference-free model a document term's contribution to scores is ``idf_j * w_ij``, so this is FLOPS of the
weights that actually score.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ...errors import ConfigError


class IdfFlopsLoss(nn.Module):
    def __init__(self, idf: torch.Tensor, threshold: float | None = None) -> None:
        super().__init__()
        if idf is None:
            raise ConfigError("regularizer 'idf_flops' needs IDF weights (computed from the training corpora)")
        self.register_buffer("idf", torch.as_tensor(idf, dtype=torch.float32), persistent=False)
        self.threshold = threshold

    def compute_loss_from_embeddings(self, embeddings: torch.Tensor) -> torch.Tensor:
        if self.threshold is not None:
            keep = ((embeddings != 0).sum(dim=1) > self.threshold).to(embeddings.dtype)
            embeddings = embeddings * keep.unsqueeze(1)
        return torch.sum((embeddings * self.idf).mean(dim=0) ** 2)

    def forward(self, *args: Any) -> torch.Tensor:
        raise NotImplementedError("IdfFlopsLoss is a regularizer: call compute_loss_from_embeddings")

    def get_config_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold}
