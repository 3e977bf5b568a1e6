"""Token-level sparse vectors (SLIM): every contextual token becomes a sparse vector over the vocabulary.

For each token the MLM logits go through log(1 + relu(.)) and only the ``top_k`` largest weights are kept; the
pooled text vector (max over tokens, the first-stage vector) is exactly :class:`SpladeEncoder`'s output for the same
settings, because it is computed by ``SpladeEncoder.encode_ids`` itself. This module depends on ``SpladeEncoder``
only through its public methods and attributes (``tokenize``, ``encode_ids``, ``network``, ``dtype``, ``pad_id``).

The per-token projection reads the input of the model's output embedding (captured by a forward pre-hook that stops
the network there, so the network computes no full-vocabulary logits) and projects each token onto its text's pooled
terms only (see ``encode_ids``), in bfloat16 unless ``dtype="fp32"``, as SPLADE's pooled path does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np

from ..errors import ConfigError
from .batching import length_sorted_batches, pad
from .splade import EncodeStats, SparseRow, SpladeEncoder


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


class _HeadInput(Exception):
    """Raised by the pre-hook to stop the network at its output embedding, carrying that layer's input."""

    def __init__(self, hidden: Any) -> None:
        super().__init__("head input captured")
        self.hidden = hidden


class TokenLevelEncoder:
    """Pooled SPLADE vectors plus top-k sparse vectors per token, from one masked-LM model."""

    def __init__(self, splade: SpladeEncoder, config: TokenLevelConfig = TokenLevelConfig()) -> None:
        import torch

        self.splade = splade
        self.config = config
        head = splade.network.get_output_embeddings()
        weight = head.weight.detach()
        self._head = head
        self._weight = weight if splade.dtype == "fp32" else weight.to(torch.bfloat16)
        bias = getattr(head, "bias", None)
        self._bias = bias.detach().float() if bias is not None else torch.zeros(weight.shape[0])
        special = sorted(set(splade.tokenizer.all_special_ids))
        self._special = np.asarray(special, dtype=np.int64)

    @classmethod
    def from_model(cls, model: str = "splade-tiny", dtype: str = "bf16", threads: int | None = None,
                   config: TokenLevelConfig = TokenLevelConfig()) -> "TokenLevelEncoder":
        return cls(SpladeEncoder(model, dtype=dtype, threads=threads), config)

    @property
    def terms(self) -> list[str]:
        return self.splade.terms

    @property
    def vocab_size(self) -> int:
        return self.splade.vocab_size

    @property
    def model_name(self) -> str:
        return self.splade.model_name

    def _head_inputs(self, input_ids: Any, mask: Any) -> Any:
        """The output embedding's input for every position, [batch, width, hidden]."""
        import torch

        def stop(_module: Any, args: tuple) -> None:
            raise _HeadInput(args[0])

        handle = self._head.register_forward_pre_hook(stop)
        try:
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.splade.dtype == "bf16-all"):
                self.splade.network(input_ids=input_ids, attention_mask=mask)
        except _HeadInput as captured:
            return captured.hidden
        finally:
            handle.remove()
        raise ConfigError(f"model {self.splade.model_name!r} never called its output embedding; "
                          "token-level encoding needs a masked-LM head")

    def _token_vectors(self, hidden: Any, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR (token_ptr, term ids, weights) of one text's token states [tokens, hidden] over ``terms``."""
        import torch

        if hidden.shape[0] == 0 or len(terms) == 0:
            return np.zeros(hidden.shape[0] + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32)
        cols = torch.from_numpy(terms.astype(np.int64))
        logits = (hidden.to(self._weight.dtype) @ self._weight[cols].T).float() + self._bias[cols]
        values, best = torch.topk(logits, min(self.config.top_k, len(terms)), dim=1)
        weights = torch.log1p(torch.relu(values)).numpy()
        ids = terms[best.numpy()]
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

        pooled = self.splade.encode_ids(ids, expansion)
        input_np, mask_np = pad(ids, self.splade.pad_id)
        keep = mask_np.astype(bool)
        if not self.config.special_tokens:
            keep &= ~np.isin(input_np, self._special)
        with torch.inference_mode():
            hidden = self._head_inputs(torch.from_numpy(input_np), torch.from_numpy(mask_np))
            rows = []
            for i, row in enumerate(pooled):
                positions = torch.from_numpy(np.flatnonzero(keep[i]))
                rows.append(TokenRows(row, *self._token_vectors(hidden[i, positions], row.ids)))
        return rows

    def encode(self, texts: Sequence[str], max_length: int = 512, batch_size: int = 32, expansion: bool = True,
               stats: EncodeStats | None = None) -> list[TokenRows]:
        """Encode ``texts`` in length-sorted batches; results come back in input order."""
        ids, truncated = self.splade.tokenize(texts, max_length)
        if stats is not None:
            stats.texts += len(texts)
            stats.truncated += truncated
            stats.tokens += sum(len(x) for x in ids)
        out: list[TokenRows | None] = [None] * len(ids)
        lengths = [len(x) for x in ids]
        for batch in length_sorted_batches(lengths, batch_size, max_tokens=batch_size * max(lengths, default=1)):
            for index, row in zip(batch, self.encode_ids([ids[i] for i in batch], expansion)):
                out[index] = row
        return out  # type: ignore[return-value]
