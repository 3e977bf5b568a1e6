"""The Python API: one call per stage, in the order a script runs them (``import lsr_lucene`` offers these).

    import lsr_lucene
    lsr_lucene.encode_corpus("scifact", "out/vectors")            # a name, folder, irds id or (id, text) pairs
    lsr_lucene.build_index("out/vectors", "out/index")
    hits = lsr_lucene.ImpactSearcher("out/index").search("what causes diabetes", k=10)

Collections are what ``lsr-lucene --collection`` takes (a short name, BEIR folder, JSONL/TSV file or
``irds:`` id) or an iterable of ``(id, text)`` pairs, ``Doc`` records or dicts with ``_id``/``id`` and
``text``/``contents`` (and an optional ``title``). The JVM starts on the first call that needs it. ``device``
(``auto``, ``cpu``, ``cuda``, ``cuda:N``) says where a model runs; ``auto`` takes CUDA when torch sees it, and a
``batch_size`` of None means 32 texts on the CPU, 256 on CUDA.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Iterator, Mapping

from .encoding.stages.settings import EncodeSettings
from .encoding.stages.sparse import EncodeConfig
from .errors import ConfigError
from .quantize import QuantizationConfig
from .types import Doc, Query

Collection = str | os.PathLike | Iterable[Any]


def _record(item: Any, position: int) -> tuple[str, str, str]:
    """(id, title, text) of one item of an iterable collection."""
    if isinstance(item, Doc):
        return item.id, item.title, item.text
    if isinstance(item, Query):
        return item.id, "", item.text
    if isinstance(item, Mapping):
        item_id, text = item.get("_id", item.get("id")), item.get("text", item.get("contents"))
        if item_id is None or text is None:
            raise ConfigError(f"item {position} of the collection: a dict needs '_id' or 'id' and 'text' or "
                              f"'contents' (keys: {sorted(item)})")
        return str(item_id), str(item.get("title", "") or ""), str(text)
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return str(item[0]), "", str(item[1])
    raise ConfigError(f"item {position} of the collection: expected (id, text), a dict or a Doc, got "
                      f"{type(item).__name__}")


def _docs(collection: Collection) -> Iterator[Doc]:
    if isinstance(collection, (str, os.PathLike)):
        from .collections import load_collection

        return load_collection(str(collection)).docs_iter()
    return (Doc(*_record(item, i)) for i, item in enumerate(collection))


def _queries(queries: Collection, split: str) -> list[Query]:
    if isinstance(queries, (str, os.PathLike)):
        from .collections import load_collection
        from .collections.judged import judged_queries

        collection = load_collection(str(queries))
        return judged_queries(collection, split)[0] if collection.splits() else list(collection.queries_iter())
    return [Query(item_id, text) for item_id, _, text in (_record(q, i) for i, q in enumerate(queries))]


def _encode_config(model: str, max_length: int, dtype: str, expansion: bool,
                   quantization: QuantizationConfig | Mapping[str, Any] | None) -> EncodeConfig:
    if isinstance(quantization, Mapping):
        quantization = QuantizationConfig(**quantization)
    return EncodeConfig(model=model, max_length=max_length, expansion=expansion, dtype=dtype,
                        quantization=quantization or QuantizationConfig())


def encode_corpus(collection: Collection, output: str | os.PathLike, model: str = "splade-tiny", *,
                  max_length: int = 512, dtype: str = "bf16", expansion: bool = True,
                  quantization: QuantizationConfig | Mapping[str, Any] | None = None, token_level: bool = False,
                  batch_size: int | None = None, threads: int | None = None, shard_size: int = 10_000,
                  progress: bool = True, device: str = "auto") -> dict[str, Any]:
    """Encode the documents of ``collection`` into ``output`` (resumable; ``token_level`` adds SLIM's token store);
    returns the finished manifest."""
    config = _encode_config(model, max_length, dtype, expansion, quantization)
    settings = EncodeSettings(batch_size, threads, shard_size, progress=progress, device=device)
    if token_level:
        from .encoding.stages.tokens import encode_documents_token_level

        return encode_documents_token_level(_docs(collection), output, config, settings)
    from .encoding.stages.sparse import encode_documents

    return encode_documents(_docs(collection), output, config, settings)


def encode_queries(queries: Collection, output: str | os.PathLike, model: str = "splade-tiny", *,
                   split: str = "test", max_length: int = 512, dtype: str = "bf16", expansion: bool = True,
                   quantization: QuantizationConfig | Mapping[str, Any] | None = None, token_level: bool = False,
                   batch_size: int | None = None, threads: int | None = None, progress: bool = True,
                   device: str = "auto") -> dict[str, Any]:
    """Encode queries (a collection's judged ``split`` queries, or an iterable) into ``output``; returns the
    manifest. An inference-free ``model`` encodes them with its IDF table."""
    config = _encode_config(model, max_length, dtype, expansion, quantization)
    settings = EncodeSettings(batch_size, threads, progress=progress, device=device)
    if token_level:
        from .encoding.stages.tokens import encode_queries_token_level

        return encode_queries_token_level(_queries(queries, split), output, config, settings)
    from .encoding.stages.sparse import encode_queries as encode

    return encode(_queries(queries, split), output, config, settings)


def build_index(vectors: str | os.PathLike, index: str | os.PathLike, engine: str = "plugin", *, threads: int = 2,
                overwrite: bool = False, optimize: bool = False, parts: int = 1,
                progress: bool = True) -> dict[str, Any]:
    """Impact index of an encode output (or a plain ``JsonVectorCollection`` folder); returns its manifest."""
    from .indexing.impact import index_impact

    return index_impact(vectors, index, threads, progress, overwrite, engine=engine, optimize=optimize, parts=parts)


def build_bm25_index(collection: Collection, index: str | os.PathLike, *, threads: int = 2, overwrite: bool = False,
                     progress: bool = True) -> dict[str, Any]:
    """BM25 index of the raw text of ``collection`` (Anserini's defaults); returns its manifest."""
    from .indexing.anserini import index_bm25

    source = str(collection) if isinstance(collection, (str, os.PathLike)) else ""
    return index_bm25(_docs(collection), index, threads, progress, overwrite, source=source)


def build_dense_index(collection: Collection, index: str | os.PathLike, model: str = "all-MiniLM-L6-v2", *,
                      vectors: str | os.PathLike | None = None, dtype: str = "bf16", index_type: str = "flat",
                      batch_size: int | None = None, threads: int | None = None, overwrite: bool = False,
                      progress: bool = True, device: str = "auto") -> dict[str, Any]:
    """Encode ``collection`` with a dense model (into ``vectors``, default ``<index>-vectors`` beside the index)
    and build a faiss index in Pyserini's ``FaissSearcher`` layout; returns its manifest."""
    from pathlib import Path

    from .encoding.stages.dense import DenseEncodeConfig, encode_dense_documents
    from .indexing.dense import DenseIndexConfig, index_dense

    index = Path(index)
    vectors = Path(vectors) if vectors is not None else index.parent / f"{index.name}-vectors"
    encode_dense_documents(_docs(collection), vectors, DenseEncodeConfig(model, dtype),
                           EncodeSettings(batch_size, threads, progress=progress, device=device))
    return index_dense(vectors, index, DenseIndexConfig(index_type), threads, progress, overwrite)
