#!/usr/bin/env python
"""Fusion overhead: the time fusion adds per query, against the per-query time of the searches it fuses, with
Pyserini's own fusion code timed side by side on the same hits.

    python benchmarks/fusion.py scifact [--work benchmarks/work/scifact] [--repeats 5] [--threads 2]

Needs the work folder of ``scripts/fusion_report.py`` (impact, BM25 and faiss indexes, encoded test queries).
Search time per query: impact search of the pre-encoded SPLADE queries (Anserini), dense search (faiss) with and
without encoding the query text (MiniLM), and BM25; each figure is the best of ``--repeats`` runs, so that other
work on the machine inflates it as little as possible. Fusion is timed on those runs (1,000 hits each).
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


def _best(repeats: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """(smallest wall time in seconds over ``repeats`` calls, the last result)."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def benchmark(collection: str = "scifact", work: str | None = None, repeats: int = 5, threads: int = 2,
              k: int = 1000) -> dict[str, Any]:
    """Per-query milliseconds of each search and of each fusion, fusion as a share of the search time, and
    Pyserini's fusion code on the same hits."""
    from lsr_lucene import jvm

    jvm.start()
    os.environ.setdefault("OPENAI_API_KEY", "unused")  # pyserini.search imports need it set
    from pyserini.fusion import reciprocal_rank_fusion
    from pyserini.search.faiss import DenseSearchResult
    from pyserini.search.hybrid import HybridSearcher as PyseriniHybrid
    from pyserini.trectools import TrecRun

    from lsr_lucene.collections import load_collection
    from lsr_lucene.encode import read_vectors
    from lsr_lucene.pipeline import judged_queries
    from lsr_lucene.search.bm25 import Bm25Searcher
    from lsr_lucene.search.dense import DenseSearcher
    from lsr_lucene.search.fusion import FusionConfig, fuse
    from lsr_lucene.search.impact import ImpactSearcher

    root = Path(work or REPO / "benchmarks" / "work" / collection)
    queries = judged_queries(load_collection(collection), "test")[0]
    texts, qids = [q.text for q in queries], [q.id for q in queries]
    vectors = dict(read_vectors(root / "query-vectors"))
    n = len(queries)
    ms = {}
    runs = {}
    with ImpactSearcher(root / "index-impact") as impact, Bm25Searcher(root / "index-bm25") as bm25, \
            DenseSearcher(root / "index-dense") as dense:
        dense.encode(texts[:2])  # load the model before timing
        seconds, runs["impact"] = _best(repeats, lambda: impact.batch_search([vectors[q] for q in qids], qids, k,
                                                                             threads))
        ms["impact search (pre-encoded queries)"] = seconds
        seconds, runs["bm25"] = _best(repeats, lambda: bm25.batch_search(texts, qids, k, threads))
        ms["bm25 search"] = seconds
        seconds, matrix = _best(repeats, lambda: dense.encode(texts))
        ms["dense query encoding"] = seconds
        seconds, runs["dense"] = _best(repeats, lambda: dense.batch_search(matrix, qids, k, threads))
        ms["dense search (pre-encoded queries)"] = seconds
    ms = {name: seconds / n * 1000 for name, seconds in ms.items()}
    searches = {
        "impact+dense": ms["impact search (pre-encoded queries)"] + ms["dense search (pre-encoded queries)"],
        "impact+bm25+dense": (ms["impact search (pre-encoded queries)"] + ms["bm25 search"]
                              + ms["dense search (pre-encoded queries)"]),
    }
    fusion: dict[str, Any] = {}
    for combo, names in COMBINATIONS.items():
        for method in METHODS:
            config = FusionConfig(method, k=k)
            seconds, _ = _best(repeats, lambda: fuse([runs[name] for name in names], config))
            per_query = seconds / n * 1000
            fusion[f"{combo} {method}"] = {
                "ms_per_query": per_query,
                "share_of_search": per_query / searches[combo],
                "share_of_search_with_dense_encoding": per_query / (searches[combo] + ms["dense query encoding"]),
            }
    # Pyserini's fusion code on the same hits: HybridSearcher's interpolation (min-max normalisation) for two runs
    # and its TrecRun-based RRF (pandas) for any number; their inputs are built outside the clock
    sparse = {q: [DenseSearchResult(h.doc_id, h.score) for h in runs["impact"][q]] for q in qids}
    dense_hits = {q: [DenseSearchResult(h.doc_id, h.score) for h in runs["dense"][q]] for q in qids}
    seconds, _ = _best(repeats, lambda: {q: PyseriniHybrid._hybrid_results(dense_hits[q], sparse[q], 1.0, k, True)
                                         for q in qids})
    pyserini = {"HybridSearcher interpolation, min-max (impact+dense)": seconds / n * 1000}
    trec_runs = []
    for name in COMBINATIONS["impact+dense"]:
        path = root / "runs" / f"bench-{name}.trec"
        from lsr_lucene.io.trec import write_run

        write_run(path, runs[name], tag=name)
        trec_runs.append(TrecRun(str(path)))
    seconds, _ = _best(max(1, repeats // 2), lambda: reciprocal_rank_fusion(trec_runs, rrf_k=60, depth=k, k=k))
    pyserini["fusion.reciprocal_rank_fusion (impact+dense)"] = seconds / n * 1000
    ours_minmax = fusion["impact+dense minmax"]["ms_per_query"]
    ours_rrf = fusion["impact+dense rrf"]["ms_per_query"]
    return {
        "collection": collection, "queries": n, "k": k, "threads": threads, "repeats": repeats,
        "load_average": os.getloadavg()[0],
        "search_ms_per_query": ms, "fused_search_ms_per_query": searches, "fusion": fusion,
        "pyserini_fusion_ms_per_query": pyserini,
        "speedup_vs_pyserini": {
            "minmax vs HybridSearcher": pyserini["HybridSearcher interpolation, min-max (impact+dense)"] / ours_minmax,
            "rrf vs reciprocal_rank_fusion": pyserini["fusion.reciprocal_rank_fusion (impact+dense)"] / ours_rrf},
        "max_share_of_search": max(f["share_of_search"] for f in fusion.values()),
    }


def markdown(result: dict[str, Any]) -> str:
    """The benchmark as a Markdown table."""
    lines = [f"{result['collection']}, {result['queries']} queries, k={result['k']}, {result['threads']} search "
             f"threads, best of {result['repeats']} (load average {result['load_average']:.1f})", "",
             "| step | ms/query | fusion share of the fused searches | with dense query encoding |",
             "|---|---|---|---|"]
    for name, value in result["search_ms_per_query"].items():
        lines.append(f"| {name} | {value:.3f} | | |")
    for name, figures in result["fusion"].items():
        lines.append(f"| fusion {name} | {figures['ms_per_query']:.3f} | {figures['share_of_search']:.1%} | "
                     f"{figures['share_of_search_with_dense_encoding']:.1%} |")
    for name, value in result["pyserini_fusion_ms_per_query"].items():
        lines.append(f"| Pyserini {name} | {value:.3f} | | |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("collection", nargs="?", default="scifact")
    parser.add_argument("--work", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    result = benchmark(args.collection, args.work, args.repeats, args.threads)
    print(json.dumps(result, indent=2) if args.json else markdown(result), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
