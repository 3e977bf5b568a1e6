"""How a stage runs (batching, threads, shards, progress): what never changes its output."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class EncodeSettings:
    """How to run the encoder (does not change the output)."""

    batch_size: int = 32
    threads: int | None = None
    shard_size: int = 10_000
    compress: bool = False
    progress: bool = True


def shard_window(shard_size: int, target: int = 2048) -> int:
    """A window of texts to length-sort together that divides ``shard_size``, so a resumed run (which starts at a
    shard boundary) forms exactly the same batches as an uninterrupted one."""
    return math.ceil(shard_size / math.ceil(shard_size / target))
