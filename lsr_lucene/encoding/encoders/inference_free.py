"""Inference-free query encoding: tokenize, keep each distinct token once, weight it from a table. No transformer.

The table comes from (``InferenceFreeEncoder`` constructors):

- ``from_checkpoint``: an inference-free sentence-transformers folder's query side (``SparseStaticEmbedding``:
  IDF-initialised, frozen or learned); the vectors equal ``SparseEncoder(path).encode_query``.
- ``from_corpus``: IDF of the tokenizer's tokens over a corpus, ``log(1 + (N - df + 0.5) / (df + 0.5))``.

Like sentence-transformers' ``SparseStaticEmbedding``: no special tokens, truncation at ``max_length`` tokens (at
most the tokenizer's ``model_max_length``), presence not counts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ...errors import ConfigError, SetupError
from ...streams import windows
from ...vocab import vocabulary_terms
from ..stats import EncodeStats
from .splade import SparseRow


def idf_weights(texts: Iterable[str], tokenizer: Any, vocab_size: int) -> np.ndarray:
    """BM25's IDF per token id over ``texts``, ``log(1 + (N - df + 0.5) / (df + 0.5))`` (float32; a token never seen
    gets the largest value, special tokens 0)."""
    df = np.zeros(vocab_size, dtype=np.int64)
    n = 0
    for batch in windows(texts, 512):
        n += len(batch)
        for ids in tokenizer(batch, add_special_tokens=False, truncation=False)["input_ids"]:
            df[np.unique(np.asarray(ids, dtype=np.int64))] += 1
    weights = np.log1p((n - df + 0.5) / (df + 0.5))
    for special in getattr(tokenizer, "all_special_ids", []):
        if 0 <= special < vocab_size:
            weights[special] = 0.0
    return weights.astype(np.float32)


class InferenceFreeEncoder:
    """Queries to sparse rows through a per-token weight table (same interface as ``SpladeEncoder.encode``)."""

    def __init__(self, tokenizer: Any, weights: np.ndarray, model_name: str = "") -> None:
        weights = np.asarray(weights, dtype=np.float32)
        if weights.ndim != 1 or weights.shape[0] < len(tokenizer.get_vocab()):
            raise ConfigError(f"query weight table has shape {weights.shape}, expected one weight per token "
                              f"({len(tokenizer.get_vocab())})")
        if not np.isfinite(weights).all():
            raise ConfigError("query weight table holds NaN or infinite values")
        self.tokenizer = tokenizer
        self.weights = np.maximum(weights, 0.0)  # a negative query weight cannot be an impact
        self.model_name = model_name
        self.terms = vocabulary_terms(tokenizer)
        self._limit = int(getattr(tokenizer, "model_max_length", 512) or 512)

    @property
    def vocab_size(self) -> int:
        return int(self.weights.shape[0])

    @classmethod
    def from_checkpoint(cls, folder: str | os.PathLike, model_name: str = "") -> "InferenceFreeEncoder":
        """The query table saved by sentence-transformers (``model.safetensors`` holding ``weight``)."""
        from safetensors.numpy import load_file
        from transformers import AutoTokenizer

        folder = Path(folder)
        try:
            tensors = load_file(str(folder / "model.safetensors"))
            tokenizer = AutoTokenizer.from_pretrained(str(folder))
        except (OSError, ValueError) as exc:
            raise SetupError(f"{folder}: cannot read the inference-free query table ({exc})") from exc
        if "weight" not in tensors:
            raise SetupError(f"{folder / 'model.safetensors'}: no 'weight' tensor (keys: {sorted(tensors)})")
        return cls(tokenizer, tensors["weight"], model_name or str(folder))

    @classmethod
    def from_corpus(cls, tokenizer: Any, texts: Iterable[str], model_name: str = "idf") -> "InferenceFreeEncoder":
        """IDF over ``texts`` (BM25's formula), one weight per token id."""
        return cls(tokenizer, idf_weights(texts, tokenizer, len(tokenizer.get_vocab())), model_name)

    def tokenize(self, texts: Sequence[str], max_length: int) -> tuple[list[list[int]], int]:
        """Token ids per text (no special tokens, truncated) and how many texts were truncated."""
        limit = min(max_length, self._limit)
        ids = self.tokenizer(list(texts), add_special_tokens=False, truncation=True, max_length=limit + 1,
                             return_attention_mask=False, return_token_type_ids=False)["input_ids"]
        truncated = sum(len(x) > limit for x in ids)
        return [x[:limit] for x in ids], truncated

    def encode(self, texts: Sequence[str], max_length: int = 512, batch_size: int = 32, expansion: bool = True,
               stats: EncodeStats | None = None) -> list[SparseRow]:
        """One row per text: its distinct token ids (ascending) with their table weights (zeros dropped).
        ``batch_size`` and ``expansion`` are accepted for interface compatibility (there is no expansion)."""
        ids, truncated = self.tokenize(texts, max_length)
        if stats is not None:
            stats.count(ids, truncated)
        rows = []
        for token_ids in ids:
            unique = np.unique(np.asarray(token_ids, dtype=np.int64))
            weights = self.weights[unique]
            keep = weights > 0
            rows.append(SparseRow(unique[keep].astype(np.int32), weights[keep]))
        return rows
