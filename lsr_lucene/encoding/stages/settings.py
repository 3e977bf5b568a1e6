"""How a stage runs (batching, threads, shards, progress): what never changes its output."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EncodeSettings:
    """How to run the encoder. On the CPU none of it changes the output; on CUDA the weights differ from the CPU's
    within half-precision rounding (the device is recorded in the output's manifest)."""

    batch_size: int | None = None
    """Texts per batch; None: 32 on the CPU, 256 on CUDA (``batch_for``)."""
    threads: int | None = None
    shard_size: int = 10_000
    compress: bool = False
    progress: bool = True
    device: str = "auto"
    """``auto`` (CUDA when present), ``cpu``, ``cuda`` or ``cuda:N`` (spelling checked here, the device itself when
    the encoder is made)."""

    def __post_init__(self) -> None:
        from ...device import check_spec

        check_spec(self.device)

    def batch_for(self, encoder: Any) -> int:
        """Texts per batch for ``encoder``: ``batch_size``, else the default of the device it runs on."""
        from ...device import default_batch_size

        return self.batch_size or default_batch_size(getattr(encoder, "device", "cpu"))


def shard_window(shard_size: int, target: int = 2048) -> int:
    """A window of texts to length-sort together that divides ``shard_size``, so a resumed run (which starts at a
    shard boundary) forms exactly the same batches as an uninterrupted one."""
    return math.ceil(shard_size / math.ceil(shard_size / target))
