"""Length-sorted batching: tokenize a window of texts once, encode in batches of similar length, keep input order."""

from __future__ import annotations

from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import numpy as np

T = TypeVar("T")
R = TypeVar("R")


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


def tokenize(tokenizer: Any, texts: Sequence[str], max_length: int) -> tuple[list[list[int]], int]:
    """Token ids per text (special tokens added, truncated to ``max_length``) and how many texts were truncated."""
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length, add_special_tokens=True,
                        return_overflowing_tokens=True, return_attention_mask=False)
    mapping = encoded.get("overflow_to_sample_mapping")
    if mapping is None:
        return list(encoded["input_ids"]), 0
    firsts = [row for row, sample in enumerate(mapping) if row == 0 or mapping[row - 1] != sample]
    ids = [encoded["input_ids"][row] for row in firsts]
    truncated = sum(1 for start, end in zip(firsts, firsts[1:] + [len(mapping)]) if end - start > 1)
    return ids, truncated


def encode_in_order(ids: Sequence[Sequence[int]], batch_size: int,
                    encode_batch: Callable[[list[Sequence[int]]], Sequence[R]]) -> list[R]:
    """``encode_batch`` over length-sorted batches of ``ids`` (padded tokens per batch bounded by ``batch_size`` times
    the longest text), results returned in input order."""
    out: list[Any] = [None] * len(ids)
    lengths = [len(x) for x in ids]
    for batch in length_sorted_batches(lengths, batch_size, max_tokens=batch_size * max(lengths, default=1)):
        for index, row in zip(batch, encode_batch([ids[i] for i in batch])):
            out[index] = row
    return out
