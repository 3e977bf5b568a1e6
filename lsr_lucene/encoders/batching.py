"""Length-sorted batching: tokenize a window of texts once, encode in batches of similar length, keep input order."""

from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator, Sequence, TypeVar

import numpy as np

T = TypeVar("T")


def windows(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of up to ``size`` items (the last may be shorter)."""
    iterator = iter(items)
    while window := list(islice(iterator, size)):
        yield window


def length_sorted_batches(lengths: Sequence[int], batch_size: int, max_tokens: int | None = None) -> list[np.ndarray]:
    """Index batches over ``lengths``, longest first, each with at most ``batch_size`` items and, if given, at most
    ``max_tokens`` padded tokens (so short texts travel in bigger batches)."""
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        longest = max(int(lengths[order[start]]), 1)
        size = batch_size
        if max_tokens is not None:
            size = max(1, min(batch_size * 8, max_tokens // longest))
        batches.append(order[start:start + size])
        start += size
    return batches


def pad(ids: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded (input_ids, attention_mask) int64 arrays."""
    width = max(len(x) for x in ids)
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, seq in enumerate(ids):
        input_ids[row, :len(seq)] = seq
        mask[row, :len(seq)] = 1
    return input_ids, mask
