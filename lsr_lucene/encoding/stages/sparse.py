"""The encode stage: documents and queries to quantized impact vectors in Anserini ``JsonVectorCollection`` shards."""

from __future__ import annotations

import functools
import itertools
import os
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping

from ...device import on_cuda, resolve_device
from ...errors import ConfigError
from ...io.shards import ShardedJsonlWriter
from ...io.vectors import DOCS_KIND, QUERIES_KIND
from ...quantize import QuantizationConfig, quantize
from ...streams import mapped_ahead, progress, windows
from ...types import Doc, ImpactVector, Query
from ..stats import EncodeStats
from .settings import EncodeSettings, shard_window



@dataclass(frozen=True)
class EncodeConfig:
    """What determines the vectors (recorded in the manifest; a resumed run must match it)."""

    model: str = "splade-tiny"
    max_length: int = 512
    """Tokens per text, special tokens included; longer texts are truncated and counted."""
    expansion: bool = True
    """False keeps only the text's own tokens (term weighting without expansion)."""
    dtype: str = "bf16"
    quantization: QuantizationConfig = QuantizationConfig()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "EncodeConfig":
        """The config a manifest recorded (keys of other stages, such as ``token_level``, are left out)."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if isinstance(known.get("quantization"), Mapping):
            known["quantization"] = QuantizationConfig(**known["quantization"])
        return cls(**known)


def impact_vector(terms: list[str], ids: Any, impacts: Any) -> ImpactVector:
    """``{term: impact}`` from parallel arrays of vocabulary ids and quantized impacts."""
    return {terms[i]: int(v) for i, v in zip(ids.tolist(), impacts.tolist())}


def encode_records(encoder: Any, items: Iterator[tuple[str, str]], config: EncodeConfig, batch_size: int,
                   window: int, stats: EncodeStats | None, convert: Callable[[Any], Any] | None = None
                   ) -> Iterator[tuple[str, str, Any]]:
    """(id, text, converted row) for each (id, text), in input order, encoded in length-sorted windows of ``window``
    texts; ``convert`` (default: the quantized impact vector) turns the encoder's row into what is yielded. On CUDA
    the next window is tokenized and encoded while this one is converted and written (``streams.mapped_ahead``)."""
    if convert is None:
        def convert(row: Any) -> ImpactVector:
            return impact_vector(encoder.terms, *quantize(row.ids, row.weights, config.quantization))

    def encode(chunk: list[tuple[str, str]]) -> list[Any]:
        return encoder.encode([text for _, text in chunk], config.max_length, batch_size, config.expansion, stats)

    for chunk, rows in mapped_ahead(encode, windows(items, window), ahead=on_cuda(encoder)):
        for (item_id, text), row in zip(chunk, rows):
            try:
                converted = convert(row)
            except ValueError as exc:
                raise ConfigError(f"model {config.model!r} produced bad weights for {item_id!r}: {exc}") from exc
            yield item_id, text, converted


def make_encoder(config: EncodeConfig, threads: int | None = None, queries: bool = False,
                 device: str = "auto") -> Any:
    """The encoder for ``config`` on ``device`` (one instance per model, dtype, thread count and device in a
    process); with ``queries``, an inference-free checkpoint gives its table lookup instead of the document
    encoder."""
    return _cached_encoder(config.model, config.dtype, threads, queries, str(resolve_device(device)))


@functools.lru_cache(maxsize=2)
def _cached_encoder(model: str, dtype: str, threads: int | None, queries: bool, device: str) -> Any:
    from ..encoders.checkpoint import describe
    from ..encoders.splade import SpladeEncoder

    layout = describe(model)
    if queries and layout.kind == "inference_free":
        from ..encoders.inference_free import InferenceFreeEncoder

        return InferenceFreeEncoder.from_checkpoint(str(layout.query_table), model)
    return SpladeEncoder(model, dtype=dtype, threads=threads, device=device)


def encode_documents(docs: Iterable[Doc], out_dir: str | os.PathLike, config: EncodeConfig,
                     settings: EncodeSettings = EncodeSettings(), encoder: Any = None, total: int | None = None,
                     store_contents: bool = True) -> dict[str, Any]:
    """Encode ``docs`` into ``out_dir`` (resumable) and return the completed manifest.

    Each line is ``{"id", "contents", "vector": {term: impact}}``; ``contents`` keeps the text unless
    ``store_contents`` is False. A complete output with the same config is returned as is.
    """
    writer = ShardedJsonlWriter(out_dir, DOCS_KIND, config.to_dict(), settings.shard_size, settings.compress)
    if writer.complete:
        return writer.manifest
    encoder = encoder or make_encoder(config, settings.threads, device=settings.device)
    done = writer.records_done
    stats = EncodeStats()
    started = time.time()
    stream = ((d.id, d.contents) for d in itertools.islice(docs, done, None))
    records = encode_records(encoder, stream, config, settings.batch_for(encoder), shard_window(settings.shard_size),
                             stats)
    try:
        for doc_id, text, vector in progress(records, desc="encode docs", total=total, initial=done,
                                             enabled=settings.progress):
            writer.write(*doc_record(doc_id, text, vector, store_contents))
    except BaseException:
        writer.abort()
        raise
    return finish_documents(writer, encoder_info(encoder, config), stats, time.time() - started)


def doc_record(doc_id: str, text: str, vector: ImpactVector, store_contents: bool = True
               ) -> tuple[dict, dict[str, int]]:
    """A document's (or query's) shard line and its counters."""
    return ({"id": doc_id, "contents": text if store_contents else "", "vector": vector},
            {"postings": len(vector), "empty_vectors": int(not vector)})


def encoder_info(encoder: Any, config: EncodeConfig) -> dict[str, Any]:
    """What the manifest records about the encoder that ran (the device: of the run that finished the output)."""
    return {"model_path": str(getattr(encoder, "model_name", config.model)),
            "vocab_size": int(getattr(encoder, "vocab_size", 0)), "device": device_name(encoder)}


def device_name(encoder: Any) -> str:
    """The device ``encoder`` runs on, as torch spells it (``cpu``, ``cuda:0``); ``cpu`` for table lookups."""
    return str(getattr(encoder, "device", "cpu"))


def finish_documents(writer: ShardedJsonlWriter, info: dict[str, Any], stats: EncodeStats, seconds: float,
                     **extra: Any) -> dict[str, Any]:
    """Complete an output, adding this run's encoder counters to those of earlier (resumed) runs."""
    return writer.finish(**info, **extra, encode_stats=stats.totals(writer.manifest.get("encode_stats", {}), seconds))


def encode_queries(queries: Iterable[Query], out_dir: str | os.PathLike, config: EncodeConfig,
                   settings: EncodeSettings = EncodeSettings(), encoder: Any = None) -> dict[str, Any]:
    """Encode queries into ``out_dir`` (one shard of ``{"id", "contents", "vector"}`` lines plus a manifest)."""
    writer = ShardedJsonlWriter(out_dir, QUERIES_KIND, config.to_dict(), shard_size=10**9)
    if writer.complete:
        return writer.manifest
    encoder = encoder or make_encoder(config, settings.threads, queries=True, device=settings.device)
    stats = EncodeStats()
    started = time.time()
    records = encode_records(encoder, ((q.id, q.text) for q in queries), config, settings.batch_for(encoder), 4096,
                             stats)
    for query_id, text, vector in progress(records, desc="encode queries", unit=" q", enabled=settings.progress):
        writer.write(*doc_record(query_id, text, vector))
    return writer.finish(encode_stats=stats.totals({}, time.time() - started), device=device_name(encoder))
