#!/usr/bin/env python
"""Scaling: encode time, index time, index size and queries/s as the corpus grows (1k, 2k, 5k, all of ArguAna).

    PYTHONPATH=. python benchmarks/scaling.py [--collection arguana] [--sizes 1000 2000 5000] [--repeats 3]

The collection is encoded once (pipeline defaults: SPLADE-tiny, bf16 projection, max length 512) in shards of 1,000
documents (the sizes' greatest common divisor); the clock starts when the encoder (loaded beforehand) pulls the first document and is read each time it pulls
document 1,000, 2,000, 5,000 (it pulls a window of one shard only after the previous window is encoded and
written), so the encode time of size N is the measured time of the first N documents of that one run. Each size is then indexed on its own from the first N/1,000 shards
(``index_impact``, 2 threads, one run) and searched with the collection's judged test queries (pre-encoded, k=1000,
2 threads, median of ``--repeats`` after one warm-up).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "work"


def _clocked(docs: Iterable[Any], marks: set[int], times: dict[int, float], started: float) -> Iterator[Any]:
    """``docs`` unchanged; ``times[n]`` is the time since ``started`` when document ``n`` (0-based) is pulled."""
    for n, doc in enumerate(docs):
        if n in marks:
            times[n] = time.perf_counter() - started
        yield doc


def prefix(vectors: Path, shards: int, out: Path) -> Path:
    """An encode output folder holding the first ``shards`` shards of ``vectors`` (hard links, same manifest)."""
    from lsr_lucene.io.manifest import read_manifest, write_manifest

    manifest = read_manifest(vectors)
    kept = manifest["shards"][:shards]
    (out / "shards").mkdir(parents=True, exist_ok=True)
    for shard in kept:
        target = out / shard["file"]
        if not target.exists():
            os.link(vectors / shard["file"], target)
    totals: dict[str, int] = {}
    for shard in kept:
        for key, value in shard.items():
            if isinstance(value, int) and key != "bytes":
                totals[key] = totals.get(key, 0) + value
    write_manifest(out, dict(manifest, shards=kept, totals=totals, complete=True))
    return out


def _index(vectors: Path, index_dir: Path, threads: int) -> dict[str, Any]:
    try:  # the java/ plugin indexer (issue 5), when merged
        from lsr_lucene.indexing.impact import index_impact  # type: ignore[import-not-found]
    except ImportError:
        from lsr_lucene.indexing.impact import index_impact
    return index_impact(vectors, index_dir, threads, progress=False)


def run(work: Path = WORK, collection: str = "arguana", sizes: tuple[int, ...] = (1000, 2000, 5000),
        repeats: int = 3, threads: int = 2, k: int = 1000, heap: str = "2g", limit: int | None = None,
        max_queries: int | None = None,
        chart: Path | None = REPO / "benchmarks" / "scaling.png") -> dict[str, Any]:
    """Figures per corpus size (``sizes`` plus the whole collection, or its first ``limit`` documents); also plotted
    into ``chart``."""
    import itertools
    import shutil

    from lsr_lucene import jvm
    from lsr_lucene.collections import BadInput, load_collection
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents, encode_queries, make_encoder
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.io.atomic import write_text
    from lsr_lucene.search.batch import search_vectors

    folder = work / "scaling" / collection
    for stale in folder.glob("index-*"):  # indexes are always rebuilt (their time is measured)
        shutil.rmtree(stale)
    jvm.start(heap)
    coll = load_collection(collection, BadInput("skip"))  # cranfield has two empty documents
    config = EncodeConfig()
    shard = math.gcd(*sizes)
    settings = EncodeSettings(threads=threads, shard_size=shard, progress=False)
    load = [os.getloadavg()[0]]
    times_file = folder / "encode-times.json"
    if not times_file.is_file():
        if folder.exists():
            shutil.rmtree(folder)
        encoder = make_encoder(config, threads)  # model loading is not part of the curve
        times: dict[int, float] = {}
        cpu0, started = time.process_time(), time.perf_counter()
        docs = _clocked(itertools.islice(coll.docs_iter(), limit), {0, *sizes}, times, started)
        manifest = encode_documents(docs, folder / "vectors", config, settings, encoder=encoder)
        times[manifest["totals"]["records"]] = time.perf_counter() - started
        write_text(times_file, json.dumps({"seconds": {n: t - times[0] for n, t in times.items()},
                                           "cpu_s": time.process_time() - cpu0, "how": "clock at each size"}))
    saved = json.loads(times_file.read_text(encoding="utf-8"))
    seconds_at = {int(n): t for n, t in saved["seconds"].items()}
    n_docs = max(seconds_at)
    load.append(os.getloadavg()[0])
    queries, _ = judged_queries(coll, "test")
    encode_queries(queries, folder / "query-vectors", config, settings)
    vectors = list(read_vectors(folder / "query-vectors"))[:max_queries]
    rows = []
    for size in [s for s in sizes if s < n_docs] + [n_docs]:
        shards = size // shard
        part = folder / "vectors" if size == n_docs else prefix(folder / "vectors", shards, folder / f"vectors-{size}")
        index = _index(part, folder / f"index-{size}", threads)
        search_vectors(folder / f"index-{size}", vectors, k, threads, coll.remove_query_hits)  # warm-up
        seconds = [search_vectors(folder / f"index-{size}", vectors, k, threads, coll.remove_query_hits)[1]
                   for _ in range(repeats)]
        rows.append({"docs": size, "encode_s": seconds_at[size], "index_s": index["seconds"],
                     "index_mb": index["bytes"] / 2**20, "queries_per_s": len(vectors) / statistics.median(seconds),
                     "search_runs_s": seconds})
        load.append(os.getloadavg()[0])
    result = {"name": "scaling", "collection": collection, "queries": len(vectors), "k": k, "threads": threads,
              "repeats": repeats, "encode_cpu_s": saved["cpu_s"],
              "encode_times": saved["how"], "rows": rows, "load": load,
              "command": f"PYTHONPATH=. python benchmarks/scaling.py --collection {collection} "
                         f"--sizes {' '.join(map(str, sizes))} --repeats {repeats}"
                         + (f" --limit {limit}" if limit else "") + (f" --queries {max_queries}" if max_queries else "")}
    if chart is not None:
        plot(result, chart)
    return result


def plot(result: dict[str, Any], path: Path) -> Path:
    """Four panels (encode s, index s, index MB, queries/s against documents) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    docs = [r["docs"] for r in result["rows"]]
    panels = (("encode_s", "encode (s)"), ("index_s", "index (s)"), ("index_mb", "index size (MB)"),
              ("queries_per_s", "queries/s"))
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
    for ax, (key, label) in zip(axes, panels):
        ax.plot(docs, [r[key] for r in result["rows"]], marker="o")
        ax.set_title(label)
        ax.set_xlabel("documents")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{result['collection']}: SPLADE-tiny, lsr-lucene pipeline", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def markdown(result: dict[str, Any]) -> str:
    lines = [f"{result['collection']}, SPLADE-tiny (pipeline defaults), encoded once and clocked at each size; each "
             f"size indexed on its own; {result['queries']} judged test queries, k={result['k']}, "
             f"{result['threads']} threads, median of {result['repeats']} searches.", "",
             "| documents | encode s | docs/s | index s | index MB | queries/s |", "|---:|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        lines.append(f"| {r['docs']:,} | {r['encode_s']:.1f} | {r['docs'] / r['encode_s']:.1f} | {r['index_s']:.1f} "
                     f"| {r['index_mb']:.1f} | {r['queries_per_s']:.1f} |")
    lines += ["", f"Load average (2 cores, shared) during the run: {min(result['load']):.1f} to "
                  f"{max(result['load']):.1f}. Encode times: {result.get('encode_times', 'clock at each size')}.", "",
              "![scaling](benchmarks/scaling.png)"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--collection", default="arguana")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 5000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--heap", default="2g", help="JVM heap (Java's default, a quarter of the RAM, got this "
                        "benchmark OOM-killed on a shared machine)")
    parser.add_argument("--queries", type=int, default=None, help="search with the first N judged queries only")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N documents as the largest size")
    parser.add_argument("--work", type=Path, default=WORK)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    result = run(args.work, args.collection, tuple(args.sizes), args.repeats, heap=args.heap, limit=args.limit,
                 max_queries=args.queries)
    (args.work / "results").mkdir(parents=True, exist_ok=True)
    (args.work / "results" / "scaling.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
