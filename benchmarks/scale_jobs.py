"""The measurements of benchmarks/scale.py, each run in a child process of its own (its own JVM or BMP index, its own
peak RSS): ``python -m benchmarks.scale_jobs JOB SPEC.json OUT.json``.

Jobs: ``index`` (an impact index by the plugin or Anserini's IndexCollection), ``index-bmp``, ``search-plugin``,
``search-anserini``, ``search-bmp`` and ``leak`` (10,000 queries through the plugin with RSS and JVM heap before
and after). A search job runs a list of configurations on the same queries, each after a warm-up pass, and saves
every configuration's top ``KEEP`` hits (synthetic document numbers and scores) to ``OUT.npz``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

KEEP = 100
"""Hits kept per query and configuration for the quality checks."""
WARM = 50
"""Queries searched before each timed configuration (JIT, caches)."""


def doc_number(doc_id: str) -> int:
    """The number of a synthetic document id (``s0001234`` -> 1234)."""
    return int(doc_id[1:])


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb() -> float:
    """VmHWM: the peak RSS of this process image (``ru_maxrss`` would keep the forked parent's across exec)."""
    return _status_mb("VmHWM")


def _latency(seconds: np.ndarray) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"mean_ms": float(ms.mean()), "p50_ms": float(np.percentile(ms, 50)),
            "p90_ms": float(np.percentile(ms, 90)), "p99_ms": float(np.percentile(ms, 99))}


def _heap_mb(collect: bool = True) -> dict[str, float]:
    """JVM heap in use (after a full GC when ``collect``) and its limit."""
    from lsr_lucene import jvm

    runtime = jvm.autoclass("java.lang.Runtime").getRuntime()
    if collect:
        jvm.autoclass("java.lang.System").gc()
    return {"heap_used_mb": (runtime.totalMemory() - runtime.freeMemory()) / 2**20,
            "heap_max_mb": runtime.maxMemory() / 2**20}


def approximation(spec: dict[str, Any]) -> Any:
    """The ``Approximation`` a job's configuration names (its knobs, exact where absent)."""
    from lsr_lucene.search.approximate import Approximation

    knobs = ("query_mass", "postings_fraction", "threshold_factor", "candidates", "top_postings")
    return Approximation(**{k: spec[k] for k in knobs if k in spec})


def _queries(path: str) -> tuple[list[str], list[dict[str, int]]]:
    pairs = json.loads(Path(path).read_text(encoding="utf-8"))
    return [q for q, _ in pairs], [v for _, v in pairs]


def _timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def _hits_matrix(hits: list[tuple[list[int], list[float]]]) -> tuple[np.ndarray, np.ndarray]:
    """(doc numbers, scores) as [queries, KEEP] arrays, -1 / NaN past each query's hits."""
    docs = np.full((len(hits), KEEP), -1, np.int64)
    scores = np.full((len(hits), KEEP), np.nan)
    for i, (ids, values) in enumerate(hits):
        n = min(KEEP, len(ids))
        docs[i, :n], scores[i, :n] = ids[:n], values[:n]
    return docs, scores


# ------------------------------------------------------------------------------------------------ indexing

def job_index(spec: dict[str, Any]) -> dict[str, Any]:
    from lsr_lucene import jvm
    from lsr_lucene.indexing.impact import index_impact

    jvm.start(spec["heap"])
    wall, cpu, manifest = _timed(lambda: index_impact(spec["vectors"], spec["index"], spec["threads"], False, True,
                                                      engine=spec["engine"],
                                                      prune_doc_terms=spec.get("prune_doc_terms", 0),
                                                      term_top_postings=spec.get("term_top_postings", 0)))
    return {"seconds": wall, "cpu_s": cpu, "bytes": manifest["bytes"], "postings": manifest["lucene"]["postings"],
            "documents": manifest["lucene"]["documents"], **_heap_mb(collect=False)}


def job_index_bmp(spec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.bmp_anchor import build

    files = [Path(f) for f in spec["files"]]
    wall, cpu, built = _timed(lambda: build(files, Path(spec["path"]), spec["bsize"]))
    return {**built, "cpu_s": cpu}


# ------------------------------------------------------------------------------------------------ search

def _plugin_config(searcher: Any, numbers: np.ndarray, qids: list[str], vectors: list[dict[str, int]],
                   config: dict[str, Any]) -> tuple[dict[str, Any], tuple[np.ndarray, np.ndarray]]:
    k, threads = config["k"], config["threads"]
    warm = len(qids) if config.get("warm_all") else WARM
    searcher.search_columns(vectors[:warm], qids[:warm], k, threads)
    wall, cpu, cols = _timed(lambda: searcher.search_columns(vectors, qids, k, threads))
    ends = np.cumsum(cols.counts)
    hits = [(numbers[cols.docs[e - c:e]].tolist(), cols.scores[e - c:e].tolist()) for c, e in zip(cols.counts, ends)]
    return ({"queries_per_s": len(qids) / wall, "wall_s": wall, "cpu_s": cpu, **_latency(searcher.last_latencies)},
            _hits_matrix(hits))


def job_search_plugin(spec: dict[str, Any]) -> dict[str, Any]:
    """Each configuration (strategy, approximation knobs, k, threads; ``index`` for another index, such as a
    statically pruned one) through one open searcher per index."""
    from lsr_lucene import jvm
    from lsr_lucene.search.plugin import PluginImpactSearcher

    jvm.start(spec["heap"])
    qids, vectors = _queries(spec["queries"])
    searchers: dict[tuple[str, Any], tuple[Any, np.ndarray]] = {}
    out, arrays, decoded_mb = {}, {}, 0.0
    try:
        for config in spec["configs"]:
            key = index, cache = config.get("index", spec["index"]), config.get("postings_cache_mb")
            if key not in searchers:
                opened = PluginImpactSearcher(index, postings_cache_mb=cache)
                searchers[key] = opened, np.array([doc_number(i) for i in opened.table.ids], np.int64)
            searcher, numbers = searchers[key]
            searcher.configure(config["strategy"], approximation(config))
            name = config["name"]
            out[name], (arrays[f"{name}/docs"], arrays[f"{name}/scores"]) = _plugin_config(
                searcher, numbers, qids, vectors, config)
    finally:
        for searcher, _ in searchers.values():
            decoded_mb += searcher.postings_cache_bytes / 2**20
            searcher.close()
    np.savez(spec["hits"], **arrays)
    return {"configs": out, "rss_mb": _rss_mb(), "decoded_postings_mb": decoded_mb, **_heap_mb()}


def job_search_anserini(spec: dict[str, Any]) -> dict[str, Any]:
    from lsr_lucene import jvm
    from lsr_lucene.search.impact import AnseriniImpactSearcher, _java_vector

    jvm.start(spec["heap"])
    qids, vectors = _queries(spec["queries"])
    array_list = jvm.autoclass("java.util.ArrayList")
    out, arrays = {}, {}
    with AnseriniImpactSearcher(spec["index"]) as searcher:
        java = searcher._searcher
        maps = [_java_vector(v) for v in vectors]
        jmaps, jqids = array_list(), array_list()
        for qid, jmap in zip(qids, maps):
            jmaps.add(jmap)
            jqids.add(qid)
        for config in spec["configs"]:
            k, threads = config["k"], config["threads"]
            for jmap in maps[:WARM]:
                java.search(jmap, k)
            if threads == 1:
                seconds, results = np.zeros(len(maps)), []
                cpu = time.process_time()
                for i, jmap in enumerate(maps):
                    started = time.perf_counter()
                    results.append(java.search(jmap, k))
                    seconds[i] = time.perf_counter() - started
                cpu, wall = time.process_time() - cpu, float(seconds.sum())
                stats = {"queries_per_s": len(maps) / wall, "wall_s": wall, "cpu_s": cpu, **_latency(seconds)}
            else:
                wall, cpu, found = _timed(lambda: java.batch_search(jmaps, jqids, k, threads))
                results = [found.get(q) for q in qids]
                stats = {"queries_per_s": len(maps) / wall, "wall_s": wall, "cpu_s": cpu}
            hits = [([doc_number(d.docid) for d in r[:KEEP]], [float(d.score) for d in r[:KEEP]]) for r in results]
            out[config["name"]] = stats
            arrays[f"{config['name']}/docs"], arrays[f"{config['name']}/scores"] = _hits_matrix(hits)
            del results
    np.savez(spec["hits"], **arrays)
    return {"configs": out, "rss_mb": _rss_mb(), **_heap_mb()}


def job_search_bmp(spec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.bmp_anchor import BmpSearcher

    qids, vectors = _queries(spec["queries"])
    searcher = BmpSearcher(Path(spec["path"]))
    loaded = {"load_s": searcher.load_seconds, "rss_after_load_mb": _rss_mb()}
    out, arrays = {}, {}
    for config in spec["configs"]:
        k, alpha, beta = config["k"], config.get("alpha", 1.0), config.get("beta", 1.0)
        searcher.search(vectors[:WARM], k, alpha, beta)
        cpu = time.process_time()
        found, seconds = searcher.search(vectors, k, alpha, beta)
        cpu = time.process_time() - cpu
        wall = float(seconds.sum())
        out[config["name"]] = {"queries_per_s": len(vectors) / wall, "wall_s": wall, "cpu_s": cpu,
                               **_latency(seconds)}
        hits = [([doc_number(d) for d in ids], scores) for ids, scores in found]
        arrays[f"{config['name']}/docs"], arrays[f"{config['name']}/scores"] = _hits_matrix(hits)
    np.savez(spec["hits"], **arrays)
    return {"configs": out, "rss_mb": _rss_mb(), **loaded}


def job_leak(spec: dict[str, Any]) -> dict[str, Any]:
    """``total`` queries (the query set repeated) through one plugin searcher in batches of ``batch``, as
    ``lsr-lucene search`` streams them; RSS and JVM heap (after a full GC) after the first batch and at the end."""
    from lsr_lucene import jvm
    from lsr_lucene.search.plugin import PluginImpactSearcher

    jvm.start(spec["heap"])
    qids, vectors = _queries(spec["queries"])
    total, batch, k = spec["total"], spec["batch"], spec["k"]
    approx = approximation(spec)
    series, done = [], 0
    started = time.perf_counter()
    with PluginImpactSearcher(spec["index"], spec["strategy"], approx) as searcher:
        while done < total:
            n = min(batch, total - done)
            picked = [(done + i) % len(vectors) for i in range(n)]
            searcher.search_columns([vectors[i] for i in picked], [f"{qids[i]}#{done + i}" for i in picked], k,
                                    spec["threads"])
            done += n
            series.append({"queries": done, "rss_mb": _rss_mb(), **_heap_mb()})
    first, last = series[0], series[-1]
    return {"series": series, "queries": done, "seconds": time.perf_counter() - started,
            "rss_growth_mb": last["rss_mb"] - first["rss_mb"],
            "heap_growth_mb": last["heap_used_mb"] - first["heap_used_mb"]}


JOBS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "index": job_index, "index-bmp": job_index_bmp, "search-plugin": job_search_plugin,
    "search-anserini": job_search_anserini, "search-bmp": job_search_bmp, "leak": job_leak}


def main(argv: list[str]) -> int:
    job, spec_path, out_path = argv
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    started = time.perf_counter()
    result = JOBS[job](spec)
    result.update(job=job, job_wall_s=time.perf_counter() - started, peak_rss_mb=_peak_mb(),
                  load_after=os.getloadavg()[0])
    from lsr_lucene.io.atomic import write_text

    write_text(out_path, json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
