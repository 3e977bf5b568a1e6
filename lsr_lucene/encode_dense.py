"""The dense encode stage: documents to float32 vectors in resumable ``.npy`` shards (io/array_shards.py)."""

from __future__ import annotations

import functools
import itertools
import os
import time
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from .encode import RunSettings, progress_bar, shard_window
from .errors import ConfigError
from .io.array_shards import ShardedArrayWriter
from .types import Doc

DENSE_KIND = "lsr-lucene/dense-vectors"


@dataclass(frozen=True)
class DenseEncodeConfig:
    """What determines the vectors (recorded in the manifest; queries are encoded with the same settings)."""

    model: str = "all-MiniLM-L6-v2"
    dtype: str = "bf16"
    max_length: int | None = None
    """Tokens per text, special tokens included; None: the checkpoint's ``max_seq_length`` (else 512)."""
    pooling: tuple[str, ...] | None = None
    """None: the pooling the checkpoint prescribes (``1_Pooling/config.json``; mean without one)."""
    normalize: bool | None = None
    """None: L2-normalise when the checkpoint has a Normalize module."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DenseEncodeConfig":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if known.get("pooling") is not None:
            known["pooling"] = tuple(known["pooling"])
        return cls(**known)


def make_dense_encoder(config: DenseEncodeConfig, threads: int | None = None) -> Any:
    """The DenseEncoder for ``config`` (one instance per config and thread count in a process)."""
    return _cached_encoder(config, threads)


@functools.lru_cache(maxsize=2)
def _cached_encoder(config: DenseEncodeConfig, threads: int | None) -> Any:
    from .encoders.dense import DenseEncoder

    return DenseEncoder(config.model, config.dtype, threads, config.max_length, config.pooling, config.normalize)


def encode_dense_documents(docs: Iterable[Doc], out_dir: str | os.PathLike, config: DenseEncodeConfig,
                           settings: RunSettings = RunSettings(), encoder: Any = None,
                           total: int | None = None) -> dict[str, Any]:
    """Encode ``docs`` (title and text, as Anserini's flat BEIR collections join them) into ``out_dir``; resumable,
    and a complete output with the same config is returned as is."""
    from .encoders.splade import EncodeStats

    writer = ShardedArrayWriter(out_dir, DENSE_KIND, config.to_dict(), settings.shard_size)
    if writer.complete:
        return writer.manifest
    encoder = encoder or make_dense_encoder(config, settings.threads)
    done = writer.records_done
    stats = EncodeStats()
    started = time.time()
    window = shard_window(settings.shard_size)
    bar = progress_bar(None, settings.progress, total, "encode docs", done) if settings.progress else None
    try:
        from .encoders.batching import windows

        remaining = itertools.islice(docs, done, None)
        for chunk in windows(remaining, window):
            vectors = encoder.encode([d.contents for d in chunk], settings.batch_size, stats=stats,
                                     on_batch=bar.update if bar is not None else None)
            writer.write_block([d.id for d in chunk], vectors)
    except ValueError as exc:
        writer.abort()
        raise ConfigError(f"{out_dir}: {exc}") from exc
    except BaseException:
        writer.abort()
        raise
    finally:
        if bar is not None:
            bar.close()
    previous = writer.manifest.get("encode_stats", {})
    return writer.finish(
        model_path=str(encoder.model_name), pooling=encoder.spec.to_dict(), dim=int(encoder.dim),
        encode_stats={"texts": previous.get("texts", 0) + stats.texts,
                      "truncated": previous.get("truncated", 0) + stats.truncated,
                      "tokens": previous.get("tokens", 0) + stats.tokens,
                      "seconds": previous.get("seconds", 0.0) + time.time() - started})


def encode_dense_queries(texts: Sequence[str], config: DenseEncodeConfig, encoder: Any = None,
                         batch_size: int = 64, threads: int | None = None) -> np.ndarray:
    """``[len(texts), dim]`` query vectors (the checkpoint's query prompt applied)."""
    encoder = encoder or make_dense_encoder(config, threads)
    return encoder.encode(list(texts), batch_size, queries=True)
