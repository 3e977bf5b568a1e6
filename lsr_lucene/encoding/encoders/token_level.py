"""Token-level sparse vectors (SLIM): every contextual token becomes a sparse vector over the vocabulary.

For each token the MLM logits go through the checkpoint's activation (SPLADE's log(1 + relu(.)) or the l0 one) and
only the ``top_k`` largest weights are kept; the pooled text vector (max over tokens, the first-stage vector) is
exactly :class:`SpladeEncoder`'s output for the same settings, because it is computed by
``SpladeEncoder.sparse_rows`` from the same forward pass. This module depends on ``SpladeEncoder`` only through its
public methods and attributes (``tokenize``, ``hidden_states``, ``sparse_rows``, ``projection``, ``bias``,
``activation``, ``pad_id``).

The per-token projection reads the vocabulary projection's input from that one forward pass (the network computes
no full-vocabulary logits) and projects each token onto its text's pooled terms only (see ``encode_ids``), in
bfloat16 unless ``dtype="fp32"``, as SPLADE's pooled path does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np

from ...errors import ConfigError
from ..stats import EncodeStats
from .activations import apply
from .batching import encode_in_order
from .splade import SparseRow, SpladeEncoder


@dataclass(frozen=True)
class TokenLevelConfig:
    """What determines the token vectors (recorded in the manifest beside the pooled encoding config)."""

    top_k: int = 20
    """Vocabulary terms kept per token (the largest weights)."""
    special_tokens: bool = False
    """Keep the vectors of special tokens ([CLS], [SEP]); by default only the text's own tokens get a vector."""

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ConfigError(f"token top_k must be >= 1, got {self.top_k}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class TokenRows(NamedTuple):
    """One encoded text: the pooled SPLADE row and its token vectors in CSR form (float weights > 0).

    Token ``t`` holds ``term_ids[token_ptr[t]:token_ptr[t + 1]]`` (descending weight) with ``weights`` alike.
    """

    pooled: SparseRow
    token_ptr: np.ndarray
    term_ids: np.ndarray
    weights: np.ndarray

    @property
    def num_tokens(self) -> int:
        return len(self.token_ptr) - 1


class TokenLevelEncoder:
    """Pooled SPLADE vectors plus top-k sparse vectors per token, from one masked-LM model."""

    def __init__(self, splade: SpladeEncoder, config: TokenLevelConfig = TokenLevelConfig()) -> None:
        self.splade = splade
        self.config = config
        self._special = np.asarray(sorted(set(splade.tokenizer.all_special_ids)), dtype=np.int64)

    @property
    def terms(self) -> list[str]:
        return self.splade.terms

    @property
    def vocab_size(self) -> int:
        return self.splade.vocab_size

    @property
    def model_name(self) -> str:
        return self.splade.model_name

    @property
    def device(self) -> Any:
        return self.splade.device

    def _token_vectors(self, hidden: Any, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR (token_ptr, term ids, weights) of one text's token states [tokens, hidden] over ``terms``."""
        import torch

        if hidden.shape[0] == 0 or len(terms) == 0:
            return np.zeros(hidden.shape[0] + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32)
        projection = self.splade.projection
        cols = torch.from_numpy(terms.astype(np.int64)).to(projection.device)
        logits = (hidden.to(projection.dtype) @ projection[cols].T).float() + self.splade.bias[cols]
        values, best = torch.topk(logits, min(self.config.top_k, len(terms)), dim=1)
        weights = apply(self.splade.activation, values).cpu().numpy()
        ids = terms[best.cpu().numpy()]
        positive = weights > 0
        ptr = np.zeros(hidden.shape[0] + 1, np.int64)
        np.cumsum(positive.sum(axis=1), out=ptr[1:])
        return ptr, ids[positive].astype(np.int32), weights[positive].astype(np.float32)

    def encode_ids(self, ids: Sequence[Sequence[int]], expansion: bool = True) -> list[TokenRows]:
        """Encode pre-tokenized texts (one batch).

        Each token is projected onto its text's pooled terms only: a term with a positive weight at some token has
        a positive pooled weight (the max over tokens), so nothing is lost, and the projection shrinks from the
        vocabulary (30,522 terms) to a few hundred. It also makes ``expansion=False`` hold for tokens.
        """
        import torch

        with torch.inference_mode():
            input_ids, mask, hidden = self.splade.hidden_states(ids)
            pooled = self.splade.sparse_rows(input_ids, mask, hidden, expansion)
            keep = mask.cpu().numpy().astype(bool)
            if not self.config.special_tokens:
                keep &= ~np.isin(input_ids.cpu().numpy(), self._special)
            rows = []
            for i, row in enumerate(pooled):
                positions = torch.from_numpy(np.flatnonzero(keep[i])).to(hidden.device)
                rows.append(TokenRows(row, *self._token_vectors(hidden[i, positions], row.ids)))
        return rows

    def encode(self, texts: Sequence[str], max_length: int = 512, batch_size: int = 32, expansion: bool = True,
               stats: EncodeStats | None = None) -> list[TokenRows]:
        """Encode ``texts`` in length-sorted batches; results come back in input order."""
        ids, truncated = self.splade.tokenize(texts, max_length)
        if stats is not None:
            stats.count(ids, truncated)
        return encode_in_order(ids, batch_size, lambda batch: self.encode_ids(batch, expansion))
