"""Search throughput: the java/ plugin's batch searcher against Pyserini's ``LuceneImpactSearcher.batch_search``
(Anserini's ``SimpleImpactSearcher``) on the same impact index, the same pre-encoded SPLADE-tiny queries, the same
number of threads and k, runs alternated.

    PYTHONPATH=. python -m benchmarks.search [--collections scifact arguana] [--threads 2] [--k 1000] [--repeats 3]

Pyserini is given the query vectors through its ``CachedDataQueryEncoder`` and ``min_idf=-1`` (so it keeps every
term, as lsr-lucene does). Its time is measured twice: ``pyserini_java`` is ``batch_search`` alone (it returns Java
``ScoredDoc`` arrays), ``pyserini`` also reads every hit's docid and score into Python, which is what a run needs and
what the plugin's time includes. ``lsr_anserini`` is lsr-lucene's fallback path (``SimpleImpactSearcher`` without
Pyserini's wrapper). Every engine must return the same ranking; ``same_ranking`` counts the queries where it does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from benchmarks._work import COLLECTIONS, WORK, encoded, median, timed


def _index(collection: str, work: Path) -> Path:
    from lsr_lucene.indexing.impact import index_impact

    index_dir = work / collection / "index-impact"
    index_impact(encoded(collection, work), index_dir, threads=2, progress=False, engine="plugin")
    return index_dir


def benchmark_search(collections: tuple[str, ...] = COLLECTIONS, threads: int = 2, k: int = 1000,
                     repeats: int = 3, work: Path = WORK, heap: str = "3g") -> dict[str, Any]:
    """Per collection: median seconds and queries/s of each engine, ``speedup`` (Pyserini with hits in Python /
    plugin) and ``speedup_java`` (Pyserini's Java call alone / plugin), and ranking agreement. ``heap`` is the JVM's
    -Xmx (Java's default, a quarter of the RAM, invites the OOM killer on a shared machine)."""
    from lsr_lucene import jvm
    from lsr_lucene.encode import read_vectors
    from lsr_lucene.io.shards import SHARDS
    from lsr_lucene.search.impact import ImpactSearcher
    from lsr_lucene.search.plugin import PluginImpactSearcher

    jvm.start(heap)
    os.environ.setdefault("OPENAI_API_KEY", "unused")  # pyserini.encode imports openai eagerly
    from pyserini.search.lucene import LuceneImpactSearcher

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
        pyserini = LuceneImpactSearcher(str(index_dir), str(sorted((query_dir / SHARDS).iterdir())[0]), min_idf=-1)
        plugin = PluginImpactSearcher(index_dir)
        anserini = ImpactSearcher(index_dir)

        def run_plugin() -> dict:
            return plugin.batch_search([v for _, v in vectors], qids, k, threads)

        def run_lsr_anserini() -> dict:
            return anserini.batch_search([v for _, v in vectors], qids, k, threads)

        def run_pyserini_java() -> Any:
            return pyserini.batch_search([texts[q] for q in qids], qids, k, threads)

        def run_pyserini() -> dict:
            hits = run_pyserini_java()
            return {q: [(d.docid, d.score) for d in hits.pop(q)] for q in qids}

        engines = {"plugin": run_plugin, "pyserini": run_pyserini, "pyserini_java": run_pyserini_java,
                   "lsr_anserini": run_lsr_anserini}
        seconds: dict[str, list[float]] = {name: [] for name in engines}
        runs: dict[str, Any] = {}
        for repeat in range(repeats + 1):  # the first round warms up the JIT and the page cache; not counted
            order = list(engines) if repeat % 2 == 0 else list(reversed(engines))
            for name in order:
                runs.pop(name, None)
                elapsed, result = timed(engines[name])
                if name != "pyserini_java":  # Java objects: not kept, they would fill the heap
                    runs[name] = result
                del result
                if repeat > 0:
                    seconds[name].append(elapsed)
        plugin_ids = {q: [h.doc_id for h in hits] for q, hits in runs["plugin"].items()}
        same = sum(plugin_ids[q] == [d for d, _ in runs["pyserini"][q]] for q in qids)
        same_lsr = sum(plugin_ids[q] == [h.doc_id for h in runs["lsr_anserini"][q]] for q in qids)
        medians = {name: median(values) for name, values in seconds.items()}
        results[collection] = {
            "queries": len(qids),
            "hits": sum(len(h) for h in runs["plugin"].values()),
            "seconds": medians,
            "queries_per_s": {name: len(qids) / s for name, s in medians.items()},
            "speedup": medians["pyserini"] / medians["plugin"],
            "speedup_java": medians["pyserini_java"] / medians["plugin"],
            "same_ranking": {"pyserini": same, "lsr_anserini": same_lsr, "of": len(qids)},
            "runs": seconds,
        }
        plugin.close()
        anserini.close()
        pyserini.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--collections", nargs="+", default=list(COLLECTIONS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--heap", default="3g", help="JVM heap")
    args = parser.parse_args(argv)
    print(json.dumps(benchmark_search(tuple(args.collections), args.threads, args.k, args.repeats,
                                      heap=args.heap), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
