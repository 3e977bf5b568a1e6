"""The token-level encode stage (SLIM): the pooled vectors go to ``JsonVectorCollection`` shards exactly as
the sparse stage writes them, and the token vectors to a memory-mapped token store in ``<output>/tokens/``.

Document tokens that can never be a late-interaction maximum are left out (``dominated_tokens``: weights are >= 0,
so a token whose every weight is at most another token's weight on the same term never scores higher), which changes
no score.

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

import numpy as np

from ...io.shards import ShardedJsonlWriter
from ...io.token_store import TOKENS, TokenStoreWriter, TokenVectors, store_dtypes
from ...quantize import QuantizationConfig, quantize, quantize_tokens
from ...streams import progress
from ...types import Doc, ImpactVector, Query
from ..encoders.token_level import TokenLevelConfig, TokenRows
from ..stats import EncodeStats
from .settings import EncodeSettings, shard_window
from .sparse import DOCS_KIND, QUERIES_KIND, EncodeConfig, doc_record, encode_records, encoder_info, finish_documents, \
    impact_vector, make_encoder


def token_encoder(config: EncodeConfig, tokens: TokenLevelConfig, threads: int | None = None,
                  device: str = "auto") -> Any:
    """A token-level encoder sharing the (cached) SPLADE encoder of ``config`` on ``device``."""
    from ..encoders.token_level import TokenLevelEncoder

    return TokenLevelEncoder(make_encoder(config, threads, device=device), tokens)


def token_encoder_for(manifest: Mapping[str, Any], threads: int | None = None, device: str = "auto") -> Any:
    """The encoder a token store was made with (model, dtype and token settings from its manifest), on
    ``device``."""
    encode, tokens = manifest["config"]["encode"], manifest["config"]["token_level"]
    config = EncodeConfig(model=manifest.get("model_path") or encode["model"], dtype=encode["dtype"])
    return token_encoder(config, TokenLevelConfig(**tokens), threads, device)


def _first_of_runs(keys: np.ndarray) -> np.ndarray:
    """Boolean mask of the first element of each run of equal values."""
    first = np.empty(len(keys), bool)
    if len(keys):
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
    return first


def dominated_tokens(vectors: TokenVectors) -> np.ndarray:
    """Per token position of one text (0 .. max position), True when the token can be left out of a document's
    token vectors without changing any late-interaction score: it has no entries, or another token has at least its
    weight on each of its terms (of identical tokens the first stays)."""
    tokens, terms, impacts = (np.asarray(a) for a in vectors)
    n = int(tokens.max()) + 1 if len(tokens) else 0
    drop = np.bincount(tokens, minlength=n) == 0
    if n < 2:
        return drop
    unique_terms, column = np.unique(terms, return_inverse=True)
    dense = np.zeros((n, len(unique_terms)), np.int64)
    dense[tokens, column] = impacts
    at_least = dense[:, column] >= impacts  # [token u, entry e]: u's weight on e's term >= e's weight
    starts = np.flatnonzero(_first_of_runs(tokens))
    covers = np.zeros((n, n), bool)  # covers[u, v]: u >= v on every term of v
    covers[:, tokens[starts]] = np.logical_and.reduceat(at_least, starts, axis=1)
    np.fill_diagonal(covers, False)
    earlier = np.triu(np.ones((n, n), bool), 1)  # earlier[u, v]: u < v
    beaten = covers & (~covers.T | earlier)
    return drop | beaten.any(axis=0)


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
                       config: EncodeConfig, settings: EncodeSettings = EncodeSettings(),
                       tokens: TokenLevelConfig = TokenLevelConfig(), encoder: Any = None, total: int | None = None,
                       store_contents: bool = True) -> dict[str, Any]:
    """Encode (id, text) pairs into JSONL shards of pooled vectors plus the token store; resumable.

    Returns the completed JSONL manifest (``token_store`` names the store folder; its own manifest is inside).
    """
    full_config = {**config.to_dict(), "token_level": tokens.to_dict()}
    writer = ShardedJsonlWriter(out_dir, kind, full_config, settings.shard_size, settings.compress)
    if writer.complete:
        return writer.manifest
    encoder = encoder or token_encoder(config, tokens, settings.threads, settings.device)
    dtypes = store_dtypes(encoder.vocab_size, config.quantization.max_impact, config.max_length)
    prune = kind == DOCS_KIND
    store = TokenStoreWriter(Path(out_dir) / TOKENS, {"encode": config.to_dict(), "token_level": tokens.to_dict(),
                                                      "dominated_tokens_dropped": prune}, dtypes)
    store.resume_at(len(writer.manifest["shards"]))
    done = position = writer.records_done
    stats = EncodeStats()
    started = time.time()
    stream = itertools.islice(items, done, None)
    terms = encoder.terms
    records = encode_records(encoder, stream, config, settings.batch_for(encoder), shard_window(settings.shard_size),
                             stats, lambda row: next(quantized_rows([row], terms, config, prune)))
    desc = "encode docs" if kind == DOCS_KIND else "encode queries"
    try:
        for item_id, text, (vector, token_vectors) in progress(records, desc=desc, total=total, initial=done,
                                                               unit=" docs" if kind == DOCS_KIND else " q",
                                                               enabled=settings.progress):
            store.add(item_id, token_vectors)
            position += 1
            if position % settings.shard_size == 0:  # this record closes a shard: its part goes first
                store.flush_part()
            line, counts = doc_record(item_id, text, vector, store_contents)
            writer.write(line, {**counts, "token_vectors": token_vectors.num_tokens,
                                "token_entries": len(token_vectors.terms)})
    except BaseException:
        writer.abort()
        raise
    info = encoder_info(encoder, config)
    store.finish(**info)
    return finish_documents(writer, info, stats, time.time() - started, token_store=TOKENS)


def encode_documents_token_level(docs: Iterable[Doc], out_dir: str | os.PathLike, config: EncodeConfig,
                                 settings: EncodeSettings = EncodeSettings(), tokens: TokenLevelConfig = TokenLevelConfig(),
                                 encoder: Any = None, total: int | None = None,
                                 store_contents: bool = True) -> dict[str, Any]:
    """Documents to pooled JSONL shards (indexable by ``lsr-lucene index``) plus their token store."""
    return encode_token_level(((d.id, d.contents) for d in docs), out_dir, DOCS_KIND, config, settings, tokens,
                              encoder, total, store_contents)


def encode_queries_token_level(queries: Iterable[Query], out_dir: str | os.PathLike, config: EncodeConfig,
                               settings: EncodeSettings = EncodeSettings(), tokens: TokenLevelConfig = TokenLevelConfig(),
                               encoder: Any = None) -> dict[str, Any]:
    """Queries to one pooled JSONL shard (searchable by ``lsr-lucene search``) plus their token store."""
    return encode_token_level(((q.id, q.text) for q in queries), out_dir, QUERIES_KIND, config,
                              replace(settings, shard_size=10**9), tokens, encoder)
