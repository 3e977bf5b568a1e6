"""The stages of ``lsr-lucene run``: each builds what it needs (resumable: finished outputs are reused), searches
the reported queries and, where the collection has them, the held-out ones, and returns a ``SystemRun``.

Runs are written as TREC files and read back, so what the report scores (and fusion fuses) is what ``runs/``
holds. Latency is the batch search's wall time per query with ``search_threads`` threads, query encoding included
(learned sparse queries are encoded once, and that time, from their manifest, is added).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..collections import Collection
from ..collections.beir import corpus_line_count
from ..io.trec import read_run, write_run
from ..types import Qrel, Query, Run
from .config import Paths, PipelineConfig, model_name

SLIM_ALPHAS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
"""SLIM's first-stage weight, chosen on held-out queries; 0 (late interaction alone) without them."""


@dataclass
class Context:
    """What every stage reads: the settings, the collection, the output folders and the judged query sets by split
    (the reported split, and ``heldout`` where the collection has held-out queries)."""

    config: PipelineConfig
    collection: Collection
    paths: Paths
    queries: dict[str, list[Query]]
    qrels: dict[str, list[Qrel]]


@dataclass
class SystemRun:
    """One system's run per query set, its search time on the reported queries and its figures."""

    name: str
    label: str
    kind: str
    runs: dict[str, Run]
    seconds: float
    efficiency: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


def save_run(ctx: Context, split: str, name: str, run: Run) -> Run:
    path = ctx.paths.run(split, name)
    write_run(path, run, tag=name)
    return read_run(path)


def per_query_ms(seconds: float, queries: int) -> float | None:
    return 1000 * seconds / queries if queries else None


def sparse_stage(ctx: Context, model: str) -> SystemRun:
    """Encode (token-level when SLIM refines), index and search one learned sparse model."""
    from ..engine import resolve_engine
    from ..evaluation.efficiency import flops, lucene_doc_freqs, query_term_fractions
    from ..indexing.impact import index_impact
    from ..io.vectors import read_vectors
    from ..encoding.stages.sparse import encode_queries
    from ..search.batch import search_vectors

    config, name = ctx.config, model_name(model)
    folder = ctx.paths.model(name)
    encode = dataclasses.replace(config.encode, model=model)
    docs = _encode_documents(ctx, encode, folder / "vectors")
    index = index_impact(folder / "vectors", folder / "index", config.index_threads,
                         progress=config.settings.progress, engine=config.engine)
    engine = resolve_engine(config.engine)
    query_config = dataclasses.replace(encode, max_length=config.query_max_length)
    runs, seconds, test_vectors, encode_seconds = {}, 0.0, [], 0.0
    for split, queries in ctx.queries.items():
        manifest = encode_queries(queries, folder / f"queries-{split}", query_config, config.settings)
        vectors = list(read_vectors(folder / f"queries-{split}"))
        run, took = search_vectors(folder / "index", vectors, config.k, config.search_threads,
                                   ctx.collection.remove_query_hits, engine)
        runs[split] = save_run(ctx, split, name, run)
        if split == config.split:
            seconds, test_vectors = took, vectors
            encode_seconds = manifest.get("encode_stats", {}).get("seconds", 0.0)
    fractions, n_queries, query_nnz = query_term_fractions(v for _, v in test_vectors)
    documents = index["lucene"]["documents"]
    stats = docs.get("encode_stats", {})
    return SystemRun(name, name, "sparse", runs, seconds + encode_seconds, {
        "query_nnz": query_nnz,
        "doc_nnz": docs["totals"]["postings"] / max(1, docs["totals"]["records"]),
        "flops": flops(fractions, lucene_doc_freqs(str(folder / "index"), fractions.keys()), documents),
        "index_mb": index["bytes"] / 2**20,
        "index_docs": documents,
        "encode_docs_per_s": stats["texts"] / stats["seconds"] if stats.get("seconds") else None,
        "docs_truncated": stats.get("truncated"),
        "queries_per_s": n_queries / seconds if seconds > 0 else None,
        "search_ms_per_query": per_query_ms(seconds, n_queries),
        "query_encode_ms_per_query": per_query_ms(encode_seconds, n_queries),
        "index_seconds": index["seconds"],
        "index_engine": index.get("engine"),
        "search_engine": engine,
    }, {"model": model, "max_length": encode.max_length, "query_max_length": config.query_max_length,
        "dtype": encode.dtype, "quantization": dataclasses.asdict(encode.quantization), "k": config.k,
        "vectors": str(folder / "vectors"), "index": str(folder / "index")})


def _encode_documents(ctx: Context, encode: Any, vectors: Path) -> dict[str, Any]:
    """The model's document vectors: token-level (pooled vectors identical, plus the token store) when SLIM will
    refine and no plain encoding is there yet."""
    from ..encoding.stages.sparse import encode_documents
    from ..encoding.stages.tokens import encode_documents_token_level
    from ..io.manifest import try_read_manifest

    config, total = ctx.config, corpus_line_count(ctx.collection)
    done = try_read_manifest(vectors)
    plain = bool(done and done.get("complete") and "token_store" not in done)
    if config.refine == "slim" and not plain:
        return encode_documents_token_level(ctx.collection.docs_iter(), vectors, encode, config.settings, total=total)
    return encode_documents(ctx.collection.docs_iter(), vectors, encode, config.settings, total=total)


def check_refinable(model: str) -> None:
    """ConfigError unless SLIM can refine ``model``'s runs (it needs the queries' token vectors)."""
    from ..encoding.encoders.checkpoint import describe
    from ..errors import ConfigError

    if describe(model).kind == "inference_free":
        raise ConfigError(f"--refine slim needs token vectors of the queries; {model} is inference-free (its queries "
                          "are IDF lookups): run it without --refine")


def slim_stage(ctx: Context, first: SystemRun) -> SystemRun:
    """SLIM refinement of a sparse model's run: its top ``slim_candidates`` hits re-scored by late interaction over
    the token store; alpha (the first stage's weight) chosen on held-out queries, else 0."""
    from ..encoding.stages.tokens import encode_documents_token_level, encode_queries_token_level
    from ..evaluation.measures import evaluate
    from ..io.manifest import try_read_manifest
    from ..io.token_store import TOKENS, TokenStore
    from ..search.slim import RefineConfig, query_token_store, refine_run

    config = ctx.config
    folder = ctx.paths.model(first.name)
    encode = dataclasses.replace(config.encode, model=first.settings["model"])
    docs_dir = folder / "vectors"
    if not (docs_dir / TOKENS).is_dir():  # encoded before SLIM was asked for: the token store goes beside
        docs_dir = folder / "slim-vectors"
        if not (try_read_manifest(docs_dir) or {}).get("complete"):
            encode_documents_token_level(ctx.collection.docs_iter(), docs_dir, encode, config.settings,
                                         total=corpus_line_count(ctx.collection))
    store = TokenStore(docs_dir / TOKENS)
    query_config = dataclasses.replace(encode, max_length=config.query_max_length)

    def refine(split: str, alpha: float) -> tuple[Run, float]:
        queries_dir = folder / f"slim-queries-{split}"
        encode_queries_token_level(ctx.queries[split], queries_dir, query_config, config.settings)
        tokens = query_token_store(queries_dir, store)
        started = time.perf_counter()
        run = refine_run(first.runs[split], tokens.get, store, config.k,
                         RefineConfig(config.slim_candidates, alpha), config.search_threads)
        return run, time.perf_counter() - started

    alpha, source = 0.0, "fixed (no held-out queries)"
    if "heldout" in ctx.queries:
        scores = {a: evaluate(refine("heldout", a)[0], ctx.qrels["heldout"], ["nDCG@10"])["nDCG@10"]
                  for a in SLIM_ALPHAS}
        alpha = max(SLIM_ALPHAS, key=lambda a: (round(scores[a], 10), -a))
        source = "chosen on the held-out queries"
    name = f"{first.name}+slim"
    runs, seconds = {}, 0.0
    for split in ctx.queries:
        run, took = refine(split, alpha)
        runs[split] = save_run(ctx, split, name, run)
        if split == config.split:
            seconds = took
    n_queries = len(ctx.queries[config.split])
    efficiency = {key: first.efficiency.get(key) for key in ("query_nnz", "doc_nnz", "flops", "index_mb")}
    efficiency["refine_ms_per_query"] = per_query_ms(seconds, n_queries)
    efficiency["token_store_mb"] = _folder_mb(docs_dir / TOKENS)
    return SystemRun(name, f"{first.label} + SLIM", "slim", runs, first.seconds + seconds, efficiency,
                     {"candidates": config.slim_candidates, "alpha": alpha, "alpha_source": source,
                      "first_stage": first.name})


def _folder_mb(folder: Path) -> float:
    from ..io.manifest import folder_size

    return folder_size(folder) / 2**20


def bm25_stage(ctx: Context) -> SystemRun:
    """Index the raw text with BM25 (Anserini's defaults) and search every query set."""
    from ..indexing.anserini import index_bm25
    from ..search.batch import search_bm25

    config = ctx.config
    index = index_bm25(ctx.collection.docs_iter(), ctx.paths.bm25_index, config.index_threads,
                       progress=config.settings.progress, source=str(config.collection))
    runs, seconds = {}, 0.0
    for split, queries in ctx.queries.items():
        run, took = search_bm25(ctx.paths.bm25_index, queries, config.k, config.search_threads,
                                ctx.collection.remove_query_hits)
        runs[split] = save_run(ctx, split, "bm25", run)
        if split == config.split:
            seconds = took
    n_queries = len(ctx.queries[config.split])
    return SystemRun("bm25", "BM25 (k1=0.9, b=0.4)", "bm25", runs, seconds, {
        "index_mb": index["bytes"] / 2**20,
        "queries_per_s": n_queries / seconds if seconds > 0 else None,
        "search_ms_per_query": per_query_ms(seconds, n_queries),
        "index_seconds": index["seconds"],
    }, {"k1": 0.9, "b": 0.4, "analyzer": "Anserini DefaultEnglishAnalyzer", "k": config.k,
        "index": str(ctx.paths.bm25_index)})


def dense_stage(ctx: Context) -> SystemRun:
    """Encode the documents with the dense model, build a faiss flat index and search every query set (queries
    encoded at search time, inside the clock)."""
    from ..encoding.stages.dense import encode_dense_documents
    from ..indexing.dense import index_dense
    from ..search.batch import search_dense

    config, paths = ctx.config, ctx.paths
    vectors = encode_dense_documents(ctx.collection.docs_iter(), paths.dense_vectors, config.dense,
                                     config.settings, total=corpus_line_count(ctx.collection))
    index = index_dense(paths.dense_vectors, paths.dense_index, progress=config.settings.progress)
    runs, seconds = {}, 0.0
    for split, queries in ctx.queries.items():
        run, took = search_dense(paths.dense_index, queries, config.k, config.search_threads,
                                 ctx.collection.remove_query_hits)
        runs[split] = save_run(ctx, split, "dense", run)
        if split == config.split:
            seconds = took
    n_queries = len(ctx.queries[config.split])
    stats = vectors.get("encode_stats", {})
    return SystemRun("dense", f"{model_name(config.dense.model)} dense", "dense", runs, seconds, {
        "index_mb": index["bytes"] / 2**20,
        "encode_docs_per_s": stats["texts"] / stats["seconds"] if stats.get("seconds") else None,
        "queries_per_s": n_queries / seconds if seconds > 0 else None,
        "search_ms_per_query": per_query_ms(seconds, n_queries),
    }, {"model": config.dense.model, "dtype": config.dense.dtype, "index": str(paths.dense_index),
        "faiss": index.get("engine"), "k": config.k})
