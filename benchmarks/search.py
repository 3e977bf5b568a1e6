"""Search throughput: the java/ plugin's batch searcher against Pyserini's ``LuceneImpactSearcher.batch_search``
(Anserini's ``SimpleImpactSearcher``) on the same impact index, the same pre-encoded SPLADE-tiny queries, the same
number of threads and k, runs alternated.

    PYTHONPATH=. python -m benchmarks.search [--collections scifact arguana] [--threads 2] [--k 1000] [--repeats 3]
                                             [--lsr-anserini]

Pyserini is given the query vectors through its ``CachedDataQueryEncoder`` and ``min_idf=-1`` (so it keeps every
term, as lsr-lucene does). Its time is reported twice from the same runs: ``pyserini_java`` is ``batch_search``
alone (it returns Java ``ScoredDoc`` arrays), ``pyserini`` also reads every hit's docid and score into Python, which
is what a run needs and what the plugin's time includes. ``plugin`` is the plugin's default (``auto``) strategy,
``plugin_pruned`` its Lucene-pruning strategy (``search.plugin.STRATEGIES``). ``--lsr-anserini`` adds lsr-lucene's
fallback path (``SimpleImpactSearcher`` without Pyserini's wrapper; slow). Every engine must return the same ranking;
``same_ranking`` counts the queries where it does. Each engine first searches ``WARM_QUERIES`` queries (JIT warm-up,
not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from benchmarks._work import COLLECTIONS, WORK, encoded, median, timed

WARM_QUERIES = 100


def _index(collection: str, work: Path) -> Path:
    from lsr_lucene.indexing.impact import index_impact

    index_dir = work / collection / "index-impact"
    index_impact(encoded(collection, work), index_dir, threads=2, progress=False, engine="plugin")
    return index_dir


def benchmark_search(collections: tuple[str, ...] = COLLECTIONS, threads: int = 2, k: int = 1000,
                     repeats: int = 3, work: Path = WORK, heap: str = "3g", lsr_anserini: bool = False
                     ) -> dict[str, Any]:
    """Per collection: median seconds and queries/s of each engine, ``speedup`` (Pyserini with hits in Python /
    plugin) and ``speedup_java`` (Pyserini's Java call alone / plugin), and ranking agreement. ``heap`` is the JVM's
    -Xmx (Java's default, a quarter of the RAM, invites the OOM killer on a shared machine)."""
    from lsr_lucene import jvm
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.io.shards import SHARDS
    from lsr_lucene.search.impact import AnseriniImpactSearcher
    from lsr_lucene.search.plugin import PluginImpactSearcher

    jvm.start(heap)
    os.environ.setdefault("OPENAI_API_KEY", "unused")  # pyserini.encode imports openai eagerly
    from lsr_lucene.pyserini_offline import import_pyserini_search

    LuceneImpactSearcher = import_pyserini_search("pyserini.search.lucene").LuceneImpactSearcher

    results: dict[str, Any] = {"threads": threads, "k": k, "repeats": repeats}
    for collection in collections:
        index_dir = _index(collection, work)
        query_dir = encoded(collection, work, queries=True)
        vectors = list(read_vectors(query_dir))
        texts = {}
        from lsr_lucene.io.jsonl import read_jsonl

        for shard in sorted((query_dir / SHARDS).iterdir()):
            for _, record in read_jsonl(shard):
                texts[record["id"]] = record["contents"]
        qids = [q for q, _ in vectors]
        by_id = dict(vectors)
        pyserini = LuceneImpactSearcher(str(index_dir), str(sorted((query_dir / SHARDS).iterdir())[0]), min_idf=-1)
        plugin = PluginImpactSearcher(index_dir)
        pruned = PluginImpactSearcher(index_dir, "pruned")
        anserini = AnseriniImpactSearcher(index_dir) if lsr_anserini else None
        java_seconds: list[float] = []

        def run_pyserini(ids: list[str]) -> dict:
            elapsed, hits = timed(lambda: pyserini.batch_search([texts[q] for q in ids], ids, k, threads))
            java_seconds.append(elapsed)
            return {q: [(d.docid, d.score) for d in hits.pop(q)] for q in ids}  # Java objects are not kept

        engines = {"plugin": lambda ids: plugin.batch_search([by_id[q] for q in ids], ids, k, threads),
                   "plugin_pruned": lambda ids: pruned.batch_search([by_id[q] for q in ids], ids, k, threads),
                   "pyserini": run_pyserini}
        if anserini is not None:
            engines["lsr_anserini"] = lambda ids: anserini.batch_search([by_id[q] for q in ids], ids, k, threads)
        for run_engine in engines.values():
            run_engine(qids[:WARM_QUERIES])
        java_seconds.clear()
        seconds: dict[str, list[float]] = {name: [] for name in engines}
        runs: dict[str, Any] = {}
        for repeat in range(repeats):
            order = list(engines) if repeat % 2 == 0 else list(reversed(engines))
            for name in order:
                runs.pop(name, None)
                elapsed, runs[name] = timed(lambda: engines[name](qids))
                seconds[name].append(elapsed)
        seconds["pyserini_java"] = java_seconds
        plugin_ids = {q: [h.doc_id for h in hits] for q, hits in runs["plugin"].items()}
        same = {name: sum(plugin_ids[q] == [hit[0] for hit in run[q]] for q in qids)
                for name, run in runs.items() if name != "plugin"}
        score_gap = max((abs(hit.score - theirs[1]) for q in qids
                         for hit, theirs in zip(runs["plugin"][q], runs["pyserini"][q])), default=0.0)
        medians = {name: median(values) for name, values in seconds.items()}
        results[collection] = {
            "queries": len(qids),
            "hits": sum(len(h) for h in runs["plugin"].values()),
            "seconds": medians,
            "queries_per_s": {name: len(qids) / s for name, s in medians.items()},
            "speedup": medians["pyserini"] / medians["plugin"],
            "speedup_java": medians["pyserini_java"] / medians["plugin"],
            "same_ranking": {**same, "of": len(qids)},
            "same_scores_plugin_pruned": runs["plugin"] == runs["plugin_pruned"],
            "max_score_gap_pyserini": score_gap,  # Anserini rounds to 1e-4 and steps ties by 1e-6
            "runs": seconds,
        }
        for searcher in (plugin, pruned, anserini, pyserini):
            if searcher is not None:
                searcher.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--collections", nargs="+", default=list(COLLECTIONS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--heap", default="3g", help="JVM heap")
    parser.add_argument("--lsr-anserini", action="store_true", help="also time lsr-lucene's Anserini fallback")
    args = parser.parse_args(argv)
    print(json.dumps(benchmark_search(tuple(args.collections), args.threads, args.k, args.repeats,
                                      heap=args.heap, lsr_anserini=args.lsr_anserini), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
