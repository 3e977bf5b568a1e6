"""The dense encode stage: documents to float32 vectors in resumable ``.npy`` shards (io/array_shards.py)."""

from __future__ import annotations

import functools
import itertools
import os
import time
from dataclasses import asdict, dataclass
from typing import Any, Iterable

from ...errors import ConfigError
from ...io.array_shards import ShardedArrayWriter
from ...device import on_cuda
from ...streams import mapped_ahead, progress, windows
from ...types import Doc
from ..stats import EncodeStats
from .settings import EncodeSettings, shard_window

DENSE_KIND = "lsr-lucene/dense-vectors"


@dataclass(frozen=True)
class DenseEncodeConfig:
    """What determines the vectors (recorded in the manifest; queries are encoded with the same settings)."""

    model: str = "all-MiniLM-L6-v2"
    dtype: str = "bf16"
    max_length: int | None = None
    """Tokens per text, special tokens included; None: the checkpoint's ``max_seq_length`` (else 512)."""
    pooling: tuple[str, ...] | None = None
    """None: the pooling the checkpoint prescribes (its Pooling module; mean without one)."""
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


def make_dense_encoder(config: DenseEncodeConfig, threads: int | None = None, device: str = "auto") -> Any:
    """The DenseEncoder for ``config`` on ``device`` (one instance per config, thread count and device in a
    process)."""
    from ...device import resolve_device

    return _cached_encoder(config, threads, str(resolve_device(device)))


@functools.lru_cache(maxsize=2)
def _cached_encoder(config: DenseEncodeConfig, threads: int | None, device: str) -> Any:
    from ..encoders.dense import DenseEncoder

    return DenseEncoder(config.model, config.dtype, threads, config.max_length, config.pooling, config.normalize,
                        device)


def encode_dense_documents(docs: Iterable[Doc], out_dir: str | os.PathLike, config: DenseEncodeConfig,
                           settings: EncodeSettings = EncodeSettings(), encoder: Any = None,
                           total: int | None = None) -> dict[str, Any]:
    """Encode ``docs`` (title and text, as Anserini's flat BEIR collections join them) into ``out_dir``; resumable,
    and a complete output with the same config is returned as is."""
    writer = ShardedArrayWriter(out_dir, DENSE_KIND, config.to_dict(), settings.shard_size)
    if writer.complete:
        return writer.manifest
    encoder = encoder or make_dense_encoder(config, settings.threads, settings.device)
    done = writer.records_done
    stats = EncodeStats()
    started = time.time()
    window = shard_window(settings.shard_size)
    bar = progress(desc="encode docs", total=total, initial=done, enabled=settings.progress)
    batch_size = settings.batch_for(encoder)

    def encode(chunk: list[Doc]) -> Any:
        return encoder.encode([d.contents for d in chunk], batch_size, stats=stats, on_batch=bar.update)

    try:
        for chunk, vectors in mapped_ahead(encode, windows(itertools.islice(docs, done, None), window),
                                           ahead=on_cuda(encoder)):
            writer.write_block([d.id for d in chunk], vectors)
    except ValueError as exc:
        writer.abort()
        raise ConfigError(f"{out_dir}: {exc}") from exc
    except BaseException:
        writer.abort()
        raise
    finally:
        bar.close()
    return writer.finish(model_path=str(encoder.model_name), pooling=encoder.spec.to_dict(), dim=int(encoder.dim),
                         device=str(encoder.device),
                         encode_stats=stats.totals(writer.manifest.get("encode_stats", {}), time.time() - started))
