#!/usr/bin/env python
"""Fusion overhead: the time fusion adds per query, against the per-query time of the searches it fuses, with
Pyserini's own fusion code timed side by side on the same hits.

    python benchmarks/fusion.py scifact [--work benchmarks/work/scifact] [--repeats 5] [--threads 2]

Needs the output folder of ``lsr-lucene run --hybrid dense --output <work>`` (impact, BM25 and faiss indexes,
encoded test queries); ``prepare`` makes it.
Search time per query: impact search of the pre-encoded SPLADE queries (java/ plugin and Anserini), SPLADE query
encoding, dense search (faiss) and MiniLM query encoding, and BM25, on ``--threads`` threads (1 by default, like
fusion). Fusion (``fuse_columns``) is timed on those runs (1,000 hits each, as the searchers' flat columns of
document numbers, BM25 as hits) and reported as a share of the searches it fuses (their ``batch_search``, which
returns hits), with pre-encoded queries and with text queries (each side's encoder included). Turning the fused
columns into hits (``to_run``) is timed on its own: a hybrid search builds one list of k hits where the searches it
fuses build one each, so that step adds nothing to the searches' own cost. Every figure is the best of
``--repeats`` runs, in wall time and in CPU time of the process (all threads, the JVM's included): on a busy
machine CPU time is the steadier of the two.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

COMBINATIONS = {"impact+dense": ("impact", "dense"), "impact+bm25+dense": ("impact", "bm25", "dense")}
METHODS = ("rrf", "minmax", "zscore")


def _best(repeats: int, work: Callable[[], Any]) -> tuple[dict[str, float], Any]:
    """({"wall": s, "cpu": s}, the last result): the smallest wall time and the smallest CPU time of the process (all
    its threads, the JVM's included) over ``repeats`` calls."""
    wall, cpu, result = [], [], None
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return {"wall": min(wall), "cpu": min(cpu)}, result


SEARCHES = {"impact": "impact search, plugin (pre-encoded queries)", "bm25": "bm25 search",
            "dense": "dense search (pre-encoded queries)"}
ENCODERS = {"impact": "SPLADE query encoding", "dense": "dense query encoding (MiniLM)"}
DENOMINATORS = {
    "pre-encoded, plugin": lambda names: [SEARCHES[n] for n in names],
    "pre-encoded, anserini": lambda names: [SEARCHES[n] if n != "impact" else
                                            "impact search, anserini (pre-encoded queries)" for n in names],
    "text queries, plugin": lambda names: [SEARCHES[n] for n in names] + [ENCODERS[n] for n in names
                                                                           if n in ENCODERS],
}
"""What fusion is a share of: the searches it fuses with pre-encoded queries (impact search by the java/ plugin or
by Anserini), or the whole hybrid path from query text (each side's query encoder plus its search)."""


def prepare(collection: str, work: str | os.PathLike) -> None:
    """The SPLADE-tiny, BM25 and dense indexes and encoded test queries in ``work`` (resumable)."""
    from lsr_lucene import jvm
    from lsr_lucene.encoding.stages.settings import EncodeSettings
    from lsr_lucene.pipeline import PipelineConfig, run_pipeline

    jvm.start()
    run_pipeline(PipelineConfig(collection=collection, output=str(work), hybrid=("dense",),
                                settings=EncodeSettings(progress=False)), say=lambda _: None)


def benchmark(collection: str = "scifact", work: str | None = None, repeats: int = 5, threads: int = 1,
              k: int = 1000) -> dict[str, Any]:
    """Per-query milliseconds (wall and CPU) of each search, query encoder and fusion, fusion as a share of each
    denominator in ``DENOMINATORS``, and Pyserini's fusion code on the same hits."""
    from lsr_lucene import jvm

    jvm.start()
    os.environ.setdefault("OPENAI_API_KEY", "unused")  # pyserini.search imports need it set
    from lsr_lucene.pyserini_offline import import_pyserini_search

    import_pyserini_search()  # Pyserini 2.4 goes online at import
    from pyserini.fusion import reciprocal_rank_fusion
    from pyserini.search.faiss import DenseSearchResult
    from pyserini.search.hybrid import HybridSearcher as PyseriniHybrid
    from pyserini.trectools import TrecRun

    from lsr_lucene.collections import load_collection
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.encoding.stages.dense import DenseEncodeConfig, make_dense_encoder
    from lsr_lucene.io.manifest import read_manifest
    from lsr_lucene.io.trec import write_run
    from lsr_lucene.search.bm25 import Bm25Searcher
    from lsr_lucene.search.dense import DenseSearcher
    from lsr_lucene.search.fusion import FusionConfig, fuse_columns
    from lsr_lucene.search.splade import ImpactSearcher
    from lsr_lucene.search.impact import AnseriniImpactSearcher
    from lsr_lucene.search.plugin import PluginImpactSearcher

    root = Path(work or REPO / "benchmarks" / "work" / collection)
    queries = judged_queries(load_collection(collection), "test")[0]
    texts, qids = [q.text for q in queries], [q.id for q in queries]
    impact_index, bm25_index, dense_index = root / "splade-tiny" / "index", root / "bm25" / "index", root / "dense" / "index"
    vectors = dict(read_vectors(root / "splade-tiny" / "queries-test"))
    pre_encoded = [vectors[q] for q in qids]
    encoder = make_dense_encoder(DenseEncodeConfig.from_dict(read_manifest(dense_index)["encode"]), threads)
    n = len(queries)
    steps: dict[str, dict[str, float]] = {}
    runs = {}
    with PluginImpactSearcher(impact_index) as plugin, AnseriniImpactSearcher(impact_index) as anserini, \
            ImpactSearcher(impact_index, threads=threads) as splade, \
            Bm25Searcher(bm25_index) as bm25, \
            DenseSearcher(dense_index, encoder=encoder, threads=threads) as dense:
        dense.encode(texts[:2])  # warm up
        splade.encoder.encode_batch(texts[:2])
        steps[SEARCHES["impact"]], runs["impact"] = _best(
            repeats, lambda: plugin.batch_search(pre_encoded, qids, k, threads))
        steps["impact search, anserini (pre-encoded queries)"], _ = _best(
            repeats, lambda: anserini.batch_search(pre_encoded, qids, k, threads))
        steps[ENCODERS["impact"]], _ = _best(repeats, lambda: splade.encoder.encode_batch(texts))
        steps[SEARCHES["bm25"]], runs["bm25"] = _best(repeats, lambda: bm25.batch_search(texts, qids, k, threads))
        steps[ENCODERS["dense"]], matrix = _best(repeats, lambda: dense.encode(texts))
        steps[SEARCHES["dense"]], runs["dense"] = _best(repeats, lambda: dense.batch_search(matrix, qids, k, threads))
        # fusion takes what the hybrid path hands it: flat columns from this tool's searchers, BM25 hits as a Run
        columns = {"impact": plugin.search_columns(pre_encoded, qids, k, threads),
                   "dense": dense.search_columns(matrix, qids, k, threads), "bm25": runs["bm25"]}
    per_query = {name: {clock: value / n * 1000 for clock, value in times.items()} for name, times in steps.items()}

    fusion: dict[str, Any] = {}
    for combo, names in COMBINATIONS.items():
        for method in METHODS:
            config = FusionConfig(method, k=k)
            times, fused = _best(repeats, lambda: fuse_columns([columns[name] for name in names], config))
            ms = {clock: value / n * 1000 for clock, value in times.items()}
            fusion[f"{combo} {method}"] = {"ms_per_query": ms, "share": {
                label: {clock: ms[clock] / sum(per_query[step][clock] for step in parts(names)) for clock in ms}
                for label, parts in DENOMINATORS.items()}}
    times, _ = _best(repeats, fused.to_run)
    per_query["fused columns to hits (to_run; any search's batch_search does the same)"] = {
        clock: value / n * 1000 for clock, value in times.items()}
    # Pyserini's fusion code on the same hits: HybridSearcher's interpolation (min-max normalisation) for two runs
    # and its TrecRun-based RRF (pandas) for any number; their inputs are built outside the clock
    sparse = {q: [DenseSearchResult(h.doc_id, h.score) for h in runs["impact"][q]] for q in qids}
    dense_hits = {q: [DenseSearchResult(h.doc_id, h.score) for h in runs["dense"][q]] for q in qids}
    pyserini: dict[str, dict[str, float]] = {}
    times, _ = _best(repeats, lambda: {q: PyseriniHybrid._hybrid_results(dense_hits[q], sparse[q], 1.0, k, True)
                                       for q in qids})
    pyserini["HybridSearcher interpolation, min-max (impact+dense)"] = {c: v / n * 1000 for c, v in times.items()}
    trec_runs = []
    for name in COMBINATIONS["impact+dense"]:
        path = root / "runs" / f"bench-{name}.trec"
        write_run(path, runs[name], tag=name)
        trec_runs.append(TrecRun(str(path)))
    times, _ = _best(repeats, lambda: reciprocal_rank_fusion(trec_runs, rrf_k=60, depth=k, k=k))
    pyserini["fusion.reciprocal_rank_fusion (impact+dense)"] = {c: v / n * 1000 for c, v in times.items()}
    return {
        "collection": collection, "queries": n, "k": k, "threads": threads, "repeats": repeats,
        "load_average": os.getloadavg()[0],
        "search_ms_per_query": per_query, "fusion": fusion, "pyserini_fusion_ms_per_query": pyserini,
        "max_share": {label: {clock: max(f["share"][label][clock] for f in fusion.values())
                              for clock in ("wall", "cpu")} for label in DENOMINATORS},
    }


def markdown(result: dict[str, Any]) -> str:
    """The benchmark as a Markdown table (wall / CPU milliseconds per query)."""
    labels = list(DENOMINATORS)
    lines = [f"{result['collection']}, {result['queries']} queries, k={result['k']}, {result['threads']} thread(s), "
             f"best of {result['repeats']}, load average {result['load_average']:.1f}; cells are wall / CPU", "",
             "| step | ms per query | " + " | ".join(f"fusion / ({label})" for label in labels) + " |",
             "|---|---|" + "---|" * len(labels)]

    def pair(values: dict[str, float], fmt: str) -> str:
        return " / ".join(fmt.format(values[c]) for c in ("wall", "cpu"))

    for name, values in result["search_ms_per_query"].items():
        lines.append(f"| {name} | {pair(values, '{:.3f}')} |" + " |" * len(labels))
    for name, figures in result["fusion"].items():
        lines.append(f"| fusion {name} | {pair(figures['ms_per_query'], '{:.3f}')} | "
                     + " | ".join(pair(figures["share"][label], "{:.1%}") for label in labels) + " |")
    for name, values in result["pyserini_fusion_ms_per_query"].items():
        lines.append(f"| Pyserini {name} | {pair(values, '{:.3f}')} |" + " |" * len(labels))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("collection", nargs="?", default="scifact")
    parser.add_argument("--work", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="search and encoding threads (fusion uses one)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    result = benchmark(args.collection, args.work, args.repeats, args.threads)
    print(json.dumps(result, indent=2) if args.json else markdown(result), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
