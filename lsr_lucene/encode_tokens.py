"""The token-level encode stage (SLIM): the pooled vectors go to ``JsonVectorCollection`` shards exactly as
``encode.py`` writes them, and the token vectors to a memory-mapped token store in ``<output>/tokens/``.

Each store part holds the texts of one shard and is written before that shard is closed, so an interrupted run
resumes at a shard boundary with a matching part for every finished shard (see ``io/token_store.py``).
"""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .encode import (DOCS_KIND, QUERIES_KIND, EncodeConfig, RunSettings, impact_vector, make_encoder, progress_bar,
                     shard_window)
from .encoders.batching import windows
from .encoders.token_level import TokenLevelConfig, TokenRows
from .errors import ConfigError
from .io.shards import ShardedJsonlWriter
from .io.token_store import TOKENS, TokenStoreWriter, TokenVectors, store_dtypes
from .quantize import QuantizationConfig, quantize, quantize_tokens
from .search.late_interaction import dominated_tokens
from .types import Doc, ImpactVector, Query


def token_encoder(config: EncodeConfig, tokens: TokenLevelConfig, threads: int | None = None) -> Any:
    """A token-level encoder sharing the (cached) SPLADE encoder of ``config``."""
    from .encoders.token_level import TokenLevelEncoder

    return TokenLevelEncoder(make_encoder(config, threads), tokens)


def token_encoder_for(manifest: Mapping[str, Any], threads: int | None = None) -> Any:
    """The encoder a token store was made with (model, dtype and token settings from its manifest)."""
    encode, tokens = manifest["config"]["encode"], manifest["config"]["token_level"]
    config = EncodeConfig(model=manifest.get("model_path") or encode["model"], dtype=encode["dtype"])
    return token_encoder(config, TokenLevelConfig(**tokens), threads)


def quantized_rows(rows: Iterable[TokenRows], terms: list[str], encode: Mapping[str, Any] | EncodeConfig,
                   prune: bool = False) -> Iterator[tuple[ImpactVector, TokenVectors]]:
    """(pooled impact vector, quantized token vectors) of each row, with ``encode``'s quantization.

    ``prune`` (documents only, never queries) leaves out the tokens that can never be a late-interaction maximum.
    """
    quant = encode.quantization if isinstance(encode, EncodeConfig) else QuantizationConfig(**encode["quantization"])
    for row in rows:
        ids, impacts = quantize(row.pooled.ids, row.pooled.weights, quant)
        vectors = TokenVectors(*quantize_tokens(row.token_ptr, row.term_ids, row.weights, quant))
        if prune:
            keep = ~dominated_tokens(vectors)[vectors.tokens]
            vectors = TokenVectors(*(a[keep] for a in vectors))
        yield impact_vector(terms, ids, impacts), vectors


def encode_token_level(items: Iterable[tuple[str, str]], out_dir: str | os.PathLike, kind: str,
                       config: EncodeConfig, settings: RunSettings = RunSettings(),
                       tokens: TokenLevelConfig = TokenLevelConfig(), encoder: Any = None, total: int | None = None,
                       store_contents: bool = True) -> dict[str, Any]:
    """Encode (id, text) pairs into JSONL shards of pooled vectors plus the token store; resumable.

    Returns the completed JSONL manifest (``token_store`` names the store folder; its own manifest is inside).
    """
    from .encoders.splade import EncodeStats

    full_config = {**config.to_dict(), "token_level": tokens.to_dict()}
    writer = ShardedJsonlWriter(out_dir, kind, full_config, settings.shard_size, settings.compress)
    if writer.complete:
        return writer.manifest
    encoder = encoder or token_encoder(config, tokens, settings.threads)
    dtypes = store_dtypes(encoder.vocab_size, config.quantization.max_impact, config.max_length)
    prune = kind == DOCS_KIND
    store = TokenStoreWriter(Path(out_dir) / TOKENS, {"encode": config.to_dict(), "token_level": tokens.to_dict(),
                                                      "dominated_tokens_dropped": prune}, dtypes)
    store.resume_at(len(writer.manifest["shards"]))
    done = position = writer.records_done
    stats = EncodeStats()
    started = time.time()
    stream = itertools.islice(items, done, None)
    records = _encode_records(encoder, stream, config, settings.batch_size, shard_window(settings.shard_size), stats,
                              prune)
    desc = "encode docs" if kind == DOCS_KIND else "encode queries"
    try:
        for item_id, text, vector, token_vectors in progress_bar(records, settings.progress, total, desc, done):
            store.add(item_id, token_vectors)
            position += 1
            if position % settings.shard_size == 0:  # this record closes a shard: its part goes first
                store.flush_part()
            writer.write({"id": item_id, "contents": text if store_contents else "", "vector": vector},
                         {"postings": len(vector), "empty_vectors": int(not vector),
                          "token_vectors": token_vectors.num_tokens, "token_entries": len(token_vectors.terms)})
    except BaseException:
        writer.abort()
        raise
    store.finish(model_path=str(encoder.model_name), vocab_size=int(encoder.vocab_size))
    previous = writer.manifest.get("encode_stats", {})
    return writer.finish(
        model_path=str(encoder.model_name), vocab_size=int(encoder.vocab_size), token_store=TOKENS,
        encode_stats={"texts": previous.get("texts", 0) + stats.texts,
                      "truncated": previous.get("truncated", 0) + stats.truncated,
                      "tokens": previous.get("tokens", 0) + stats.tokens,
                      "seconds": previous.get("seconds", 0.0) + time.time() - started},
    )


def _encode_records(encoder: Any, items: Iterator[tuple[str, str]], config: EncodeConfig, batch_size: int,
                    window: int, stats: Any, prune: bool) -> Iterator[tuple[str, str, ImpactVector, TokenVectors]]:
    """(id, text, pooled impact vector, token vectors) for each (id, text), in input order."""
    for chunk in windows(items, window):
        rows = encoder.encode([text for _, text in chunk], config.max_length, batch_size, config.expansion, stats)
        for (item_id, text), row in zip(chunk, rows):
            try:
                (vector, token_vectors), = quantized_rows([row], encoder.terms, config, prune)
            except ValueError as exc:
                raise ConfigError(f"model {config.model!r} produced bad weights for {item_id!r}: {exc}") from exc
            yield item_id, text, vector, token_vectors


def encode_documents_token_level(docs: Iterable[Doc], out_dir: str | os.PathLike, config: EncodeConfig,
                                 settings: RunSettings = RunSettings(), tokens: TokenLevelConfig = TokenLevelConfig(),
                                 encoder: Any = None, total: int | None = None,
                                 store_contents: bool = True) -> dict[str, Any]:
    """Documents to pooled JSONL shards (indexable by ``lsr-lucene index``) plus their token store."""
    return encode_token_level(((d.id, d.contents) for d in docs), out_dir, DOCS_KIND, config, settings, tokens,
                              encoder, total, store_contents)


def encode_queries_token_level(queries: Iterable[Query], out_dir: str | os.PathLike, config: EncodeConfig,
                               settings: RunSettings = RunSettings(), tokens: TokenLevelConfig = TokenLevelConfig(),
                               encoder: Any = None) -> dict[str, Any]:
    """Queries to one pooled JSONL shard (searchable by ``lsr-lucene search``) plus their token store."""
    return encode_token_level(((q.id, q.text) for q in queries), out_dir, QUERIES_KIND, config,
                              replace(settings, shard_size=10**9), tokens, encoder)
