#!/usr/bin/env python
"""Search at a million documents: the plugin (exhaustive, pruned, approximate) against Anserini's
``SimpleImpactSearcher`` and BMP, side by side on a recombined SPLADE-tiny corpus, with a growth curve.

    PYTHONPATH=. python benchmarks/scale.py [--quick] [--sizes 100000 300000 1000000]

Everything lives under ``benchmarks/work/scale``: the real collections' SPLADE-tiny vectors (encoded once, minutes),
the synthetic corpus (``benchmarks/scale_corpus.py``), one index per size and engine (rebuilt each run: their time
is measured) and each job's result. Each measurement runs in a child process (``benchmarks/scale_jobs.py``) so that
its peak RSS is its own. Queries are the collections' judged test queries, up to ``per_collection`` of each,
quantized to BMP's 5-bit scale for every engine (``benchmarks/bmp_anchor.py`` says why); quality is overlap with
the exact top 10 (ties at the 10th score count as exact).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lsr_lucene.search.approximate import PRESETS

if TYPE_CHECKING:
    from benchmarks.scale_corpus import VectorPool

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "work"
SIZES = (100_000, 300_000, 1_000_000)
DOC_SCALE = 0.125
"""Document impacts are requantized to ceil(impact / 8) so that no benchmark query's score overflows BMP's u16."""
KS = (10, 1000)
THREADS = (1, 2)
APPROXIMATE = ((0.8, 1.0, 0), (0.6, 1.0, 0), (1.0, 1.2, 0), (1.0, 1.5, 0), (0.5, 1.0, 300), (0.4, 1.0, 300),
               (0.5, 1.2, 300), (0.3, 1.0, 1000), (0.2, 1.0, 1000))
"""Plugin approximate settings (query mass, threshold factor, candidates), searched at k=10 with the default strategy
(``auto``: term at a time, or Lucene's pruning disjunction when the threshold factor is above 1)."""
FRACTIONS = ((0.1, 300), (0.08, 200), (0.06, 300), (0.055, 300), (0.05, 400), (0.05, 350), (0.05, 300), (0.04, 600),
             (0.03, 1000))
"""Plugin postings-fraction settings (postings fraction, candidates), at k=10 with the default strategy."""
TOP_POSTINGS = ((1.0, 1.0, 1000), (1.0, 1.0, 3000), (0.7, 1.0, 1000), (0.7, 1.0, 3000), (0.5, 1.0, 1000))
"""Settings searched on the index with each term's top postings (1% of the documents) and forward vectors."""
BMP_APPROXIMATE = ((0.9, 1.0), (0.8, 1.0), (0.7, 1.0), (0.6, 1.0), (0.5, 1.0), (1.0, 0.5), (1.0, 0.3),
                   (0.8, 0.5))
"""BMP approximate settings (alpha, beta), at k=10."""
PRUNE_DOC_TERMS = (128,)
"""Static pruning: an index keeping each document's N heaviest terms, searched exactly and approximately."""
LEAK_SETTINGS = PRESETS["fast"]
"""The 10,000 queries of the leak check run with this preset (k=1000, 2 threads)."""
TOP_FRACTION = 100
"""The top-postings index keeps each term's docs / TOP_FRACTION highest-impact postings."""
HEAP = "8g"
"""JVM heap of each Java child: half of it holds the plugin's decoded postings and forward vectors (4 GB at 1M)."""


# ------------------------------------------------------------------------------------------------ inputs

def source_vectors(work: Path = WORK, queries: bool = False) -> dict[str, Path]:
    """SPLADE-tiny vectors of each source collection's documents (or judged test queries), encoded once."""
    from benchmarks.scale_corpus import SOURCES
    from lsr_lucene.cli.main import main
    from lsr_lucene.io.manifest import try_read_manifest

    folders = {}
    for name in SOURCES:
        folder = work / "scale" / "sources" / name / ("query-vectors" if queries else "vectors")
        manifest = try_read_manifest(folder)
        if manifest is None or not manifest.get("complete"):
            args = ["encode", "--collection", name, "--output", str(folder), "--on-bad-input", "skip", "--quiet"]
            if main(args + (["--queries"] if queries else [])) != 0:
                raise RuntimeError(f"encoding {name} failed")
        folders[name] = folder
    return folders


def query_set(work: Path, per_collection: int, seed: int = 0) -> list[tuple[str, dict[str, int]]]:
    """Up to ``per_collection`` judged test queries of each source collection (a seeded sample), ids prefixed with
    the collection, quantized to BMP's scale."""
    from benchmarks.bmp_anchor import bmp_query
    from lsr_lucene.io.vectors import read_vectors

    rng = np.random.default_rng(seed)
    picked = []
    for name, folder in source_vectors(work, queries=True).items():
        vectors = [(q, v) for q, v in read_vectors(folder) if v]
        chosen = sorted(rng.choice(len(vectors), min(per_collection, len(vectors)), replace=False))
        picked += [(f"{name}:{vectors[i][0]}", bmp_query(vectors[i][1])) for i in chosen]
    return picked


def pool(work: Path) -> "VectorPool":
    """The real documents the corpus is made from; a collection's documents that are its own test queries
    (ArguAna's, whose self-hits BEIR removes) are left out, or their near-copies would hold every long query's top
    scores."""
    from benchmarks.scale_corpus import VectorPool
    from lsr_lucene.collections import load_collection
    from lsr_lucene.io.vectors import read_vectors

    queries = source_vectors(work, queries=True)
    leave_out = {name: {q for q, _ in read_vectors(folder)} for name, folder in queries.items()
                 if load_collection(name).remove_query_hits}
    return VectorPool.read(source_vectors(work), leave_out)


def corpus(work: Path, docs: int, shard_size: int) -> tuple[Path, dict[str, Any]]:
    """The synthetic corpus of ``docs`` documents (made once) and its manifest."""
    from benchmarks.scale_corpus import write_corpus

    out = work / "scale" / f"corpus-{docs}-x{DOC_SCALE:g}"
    return out, write_corpus(pool(work), docs, out, doc_scale=DOC_SCALE, shard_size=shard_size)


# ------------------------------------------------------------------------------------------------ children

def spawn(job: str, spec: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Run ``job`` in a child process; its result (RuntimeError with the child's last output if it fails)."""
    folder.mkdir(parents=True, exist_ok=True)
    spec_path, out_path = folder / f"{job}.spec.json", folder / f"{job}.json"
    spec_path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "benchmarks.scale_jobs", job, str(spec_path), str(out_path)],
                          env=env, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{job} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
    result = json.loads(out_path.read_text(encoding="utf-8"))
    print(f"[scale] {folder.name} {job}: {time.perf_counter() - started:.0f} s, peak RSS "
          f"{result['peak_rss_mb']:.0f} MB", file=sys.stderr, flush=True)
    return result


def index(spec: dict[str, Any], folder: Path, reuse: bool) -> dict[str, Any]:
    """Build an index (the ``index`` job) or, with ``reuse``, take the result a previous run left in ``folder`` when
    its index is still there (Anserini's is deleted once measured: its result alone is reused)."""
    done = folder / "index.json"
    if reuse and done.is_file() and (Path(spec["index"]).is_dir() or spec["engine"] == "anserini"):
        return dict(json.loads(done.read_text(encoding="utf-8")), reused=True)
    return spawn("index", spec, folder)


def hits(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    with np.load(path, allow_pickle=False) as data:
        names = {key.rsplit("/", 1)[0] for key in data.files}
        return {name: (data[f"{name}/docs"], data[f"{name}/scores"]) for name in names}


# ------------------------------------------------------------------------------------------------ quality

def recall_at_10(exact: tuple[np.ndarray, np.ndarray], found: tuple[np.ndarray, np.ndarray]) -> float:
    """Mean over queries of the share of the exact top 10 found in ``found``'s top 10; a document tied with the
    exact 10th score counts as one of the exact top 10."""
    docs, scores = exact
    values = []
    for q in range(len(docs)):
        n = int((docs[q] >= 0).sum())
        if n == 0:
            continue
        tenth = scores[q, min(n, 10) - 1]
        correct = set(docs[q, :n][scores[q, :n] >= tenth].tolist())
        values.append(len(correct & set(found[0][q, :10].tolist())) / min(n, 10))
    return float(np.mean(values)) if values else 1.0


def same_ranking(exact: tuple[np.ndarray, np.ndarray], other: tuple[np.ndarray, np.ndarray], top: int = 10) -> int:
    """Queries whose top ``top`` scores equal the exact ones and whose documents do, up to ties."""
    same = 0
    for q in range(len(exact[0])):
        a, b = exact[1][q, :top], other[1][q, :top]
        if np.array_equal(np.nan_to_num(a, nan=-1), np.nan_to_num(b, nan=-1)) and recall_at_10(
                (exact[0][q:q + 1], exact[1][q:q + 1]), (other[0][q:q + 1], other[1][q:q + 1])) == 1.0:
            same += 1
    return same


# ------------------------------------------------------------------------------------------------ one size

def _prefix(full: Path, size: int, shard_size: int, out: Path) -> Path:
    """The first ``size`` documents of the corpus ``full`` (hard links), made afresh."""
    from benchmarks.scaling import prefix

    if out.exists():
        shutil.rmtree(out)
    return prefix(full, size // shard_size, out)


def _approx_config(m: float, f: float, c: int, index: Path | None = None, tag: str = "approx",
                   strategy: str = "auto") -> dict[str, Any]:
    config = {"name": f"plugin-{tag}-m{m:g}-f{f:g}-c{c}-k10-t1", "strategy": strategy, "query_mass": m,
              "threshold_factor": f, "candidates": c, "k": 10, "threads": 1, "top_postings": tag == "top"}
    return dict(config, index=str(index)) if index else config


def _fraction_config(p: float, c: int) -> dict[str, Any]:
    return {"name": f"plugin-fraction-p{p:g}-c{c}-k10-t1", "strategy": "auto", "postings_fraction": p,
            "candidates": c, "k": 10, "threads": 1}


def _plugin_configs(pruned: dict[int, Path], top: Path | None, largest: bool) -> list[dict[str, Any]]:
    configs = [{"name": f"plugin-{strategy}-k{k}-t{threads}", "strategy": strategy, "k": k, "threads": threads}
               for strategy in ("exhaustive", "pruned", "auto") for k in KS for threads in THREADS]
    configs[0]["warm_all"] = True  # decodes what later exact configurations read
    configs += [{"name": f"plugin-undecoded-auto-k{k}-t{threads}", "strategy": "auto", "k": k, "threads": threads,
                 "postings_cache_mb": 0} for k in KS for threads in THREADS]
    fractions = [_fraction_config(*knobs) for knobs in (FRACTIONS if largest else FRACTIONS[::3])]
    fractions[0]["warm_all"] = True  # decodes the lists in order of impact and inverts the forward vectors
    configs += fractions
    configs += [_approx_config(*knobs) for knobs in (APPROXIMATE if largest else APPROXIMATE[4::2])]
    if top is not None:
        configs += [_approx_config(*knobs, index=top, tag="top", strategy="exhaustive")
                    for knobs in (TOP_POSTINGS if largest else TOP_POSTINGS[:1])]
    for terms, folder in pruned.items():
        configs += [_approx_config(*knobs, index=folder, tag=f"static{terms}", strategy="auto")
                    for knobs in ((1.0, 1.0, 0), (0.4, 1.0, 300))]
    return configs


def measure_size(work: Path, size: int, full: Path, shard_size: int, queries: Path, options: dict[str, Any]
                 ) -> dict[str, Any]:
    """Index (plugin, Anserini, BMP) and search (every engine and configuration) the first ``size`` documents."""
    folder = work / "scale" / f"size-{size}"
    vectors = _prefix(full, size, shard_size, folder / "vectors") if size != options["docs"] else full
    files = sorted(str(p) for p in (vectors / "shards").iterdir())
    heap, threads = options["heap"], max(THREADS)
    largest = size == options["docs"]
    row: dict[str, Any] = {"docs": size}
    reuse = options["reuse_indexes"]
    row["index_plugin"] = index({"engine": "plugin", "vectors": str(vectors), "index": str(folder / "plugin"),
                                 "threads": threads, "heap": heap}, folder / "index-plugin", reuse)
    if size <= options["anserini_index_max"]:
        row["index_anserini"] = index({"engine": "anserini", "vectors": str(vectors), "heap": heap,
                                       "index": str(folder / "anserini"), "threads": threads},
                                      folder / "index-anserini", reuse)
        shutil.rmtree(folder / "anserini", ignore_errors=True)  # searched through the plugin's index (same postings)
    top = folder / "plugin-top"
    row["index_top"] = index({"engine": "plugin", "vectors": str(vectors), "heap": heap, "index": str(top),
                              "threads": threads, "term_top_postings": size // TOP_FRACTION}, folder / "index-top",
                             reuse)
    pruned = {}
    if largest:
        for terms in PRUNE_DOC_TERMS:
            pruned[terms] = folder / f"plugin-static{terms}"
            row[f"index_static{terms}"] = index({"engine": "plugin", "vectors": str(vectors), "heap": heap,
                                                 "index": str(pruned[terms]), "threads": threads,
                                                 "prune_doc_terms": terms}, folder / f"index-static{terms}", reuse)
    common = {"queries": str(queries), "heap": heap}
    row["search_plugin"] = spawn("search-plugin", {**common, "index": str(folder / "plugin"),
                                                   "configs": _plugin_configs(pruned, top, largest),
                                                   "hits": str(folder / "plugin-hits.npz")}, folder / "search-plugin")
    row["search_anserini"] = spawn("search-anserini", {
        **common, "index": str(folder / "plugin"), "hits": str(folder / "anserini-hits.npz"),
        "configs": [{"name": f"anserini-k{k}-t{t}", "k": k, "threads": t} for k in KS for t in THREADS]},
        folder / "search-anserini")
    too_big = _bmp_too_big(size, options["bmp_seen"])
    if too_big:
        row["bmp_skipped"] = too_big
        print(f"[scale] {folder.name} BMP skipped: {too_big}", file=sys.stderr, flush=True)
    else:
        row["index_bmp"] = spawn("index-bmp", {"files": files, "path": str(folder / "index.bmp"), "bsize": 32},
                                 folder / "index-bmp")
        grid = [(1.0, 1.0, k) for k in KS] + [(a, b, 10) for a, b in (BMP_APPROXIMATE if largest else
                                                                      BMP_APPROXIMATE[:3])]
        row["search_bmp"] = spawn("search-bmp", {
            "queries": str(queries), "path": str(folder / "index.bmp"), "hits": str(folder / "bmp-hits.npz"),
            "configs": [{"name": f"bmp-a{a:g}-b{b:g}-k{k}", "alpha": a, "beta": b, "k": k} for a, b, k in grid]},
            folder / "search-bmp")
        (folder / "index.bmp").unlink()
        options["bmp_seen"].append((size, row["index_bmp"]["peak_rss_mb"], row["search_bmp"]["peak_rss_mb"]))
    if largest and options["leak_queries"]:
        row["leak"] = spawn("leak", {**common, "index": str(folder / "plugin"), "total": options["leak_queries"],
                                     "batch": 1000, "k": 1000, "threads": 2, "strategy": "auto",
                                     **LEAK_SETTINGS.to_dict()}, folder / "leak")
    row["quality"] = quality(folder)
    return row


def available_mb() -> float:
    """MemAvailable of /proc/meminfo in MB (what other jobs on a shared machine leave)."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("inf")


def _bmp_too_big(size: int, seen: list[tuple[int, float, float]], margin: float = 1.25) -> str:
    """Why BMP cannot run at ``size`` here ('' when it can): its index holds every posting in memory while it is
    built and searched, so its peak RSS grows with the corpus; projected linearly from the largest size measured,
    with a margin, it must fit in the memory other jobs leave."""
    if not seen:
        return ""
    done, build, search = seen[-1]
    need = max(build, search) * size / done * margin
    free = available_mb()
    if need <= free:
        return ""
    return (f"projected peak RSS {build * size / done:,.0f} MB to build and {search * size / done:,.0f} MB to "
            f"search (measured {build:,.0f} / {search:,.0f} MB at {done:,} documents), {free:,.0f} MB available")


EXACT_CONFIGS = ("plugin-exhaustive-", "plugin-pruned-", "plugin-auto-", "plugin-undecoded-", "anserini-",
                 "bmp-a1-b1-")
"""Names of the configurations that must return the exact ranking; every other one is approximate."""


def quality(folder: Path) -> dict[str, Any]:
    """Against the plugin's exact (exhaustive) run: identical rankings of every exact engine and strategy, and
    recall@10 of every approximate configuration (with its index's exact run for static pruning too)."""
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in ("plugin", "anserini", "bmp"):
        if (folder / f"{name}-hits.npz").is_file():
            found.update(hits(folder / f"{name}-hits.npz"))
    exact = {k: found[f"plugin-exhaustive-k{k}-t1"] for k in KS}
    same, recall = {}, {}
    for name, run in found.items():
        k = 1000 if name.endswith(("-k1000", "-k1000-t1", "-k1000-t2")) else 10
        if name.startswith(EXACT_CONFIGS):
            same[name] = same_ranking(exact[k], run)
        else:
            recall[name] = recall_at_10(exact[1000], run)
    short = {name: short_but_exact(exact[1000 if name.endswith("k1000") else 10], found[name])
             for name in same if name.startswith("bmp-")}
    return {"same_ranking_top10": same, "queries": len(exact[10][0]), "recall_at_10": recall,
            "bmp_short_but_exact": short, "top_score_max": float(np.nanmax(exact[10][1][:, 0]))}


def short_but_exact(exact: tuple[np.ndarray, np.ndarray], other: tuple[np.ndarray, np.ndarray]) -> int:
    """Queries whose top 10 differs from the exact one only by missing its last hits (what BMP's strict threshold
    does to documents tied with it): fewer hits, each with the exact score of its rank."""
    count = 0
    for q in range(len(exact[0])):
        n_exact, n_other = int((exact[0][q, :10] >= 0).sum()), int((other[0][q, :10] >= 0).sum())
        count += n_other < n_exact and np.array_equal(exact[1][q, :n_other], other[1][q, :n_other])
    return count


# ------------------------------------------------------------------------------------------------ run

def run(work: Path = WORK, sizes: tuple[int, ...] = SIZES, per_collection: int = 60, heap: str = HEAP,
        anserini_index_max: int = 300_000, leak_queries: int = 10_000, reuse_indexes: bool = False,
        chart: bool = True) -> dict[str, Any]:
    """The whole benchmark; see the module docstring. ``chart``: plot it to ``benchmarks/scale.png`` (growth
    curves and recall against speed), or ``benchmarks/scale-<size>.png`` (recall against speed) for one size."""
    from benchmarks.bmp_anchor import check_scores

    started = time.perf_counter()
    load = [os.getloadavg()[0]]
    docs = max(sizes)
    shard_size = min(50_000, math.gcd(*sizes))
    build_started = time.perf_counter()
    full, manifest = corpus(work, docs, shard_size)
    corpus_seconds = time.perf_counter() - build_started
    picked = query_set(work, per_collection)
    queries = work / "scale" / f"queries-{per_collection}.json"
    queries.write_text(json.dumps(picked), encoding="utf-8")
    options = {"docs": docs, "heap": heap, "anserini_index_max": anserini_index_max, "bmp_seen": [],
               "leak_queries": leak_queries, "reuse_indexes": reuse_indexes}
    rows = []
    for size in sorted(sizes):
        rows.append(measure_size(work, size, full, shard_size, queries, options))
        load.append(os.getloadavg()[0])
        check_scores([rows[-1]["quality"]["top_score_max"]], manifest["max_impact"])
    result = {"name": "scale", "sizes": list(sizes), "queries": len(picked), "per_collection": per_collection,
              "query_nnz_mean": float(np.mean([len(v) for _, v in picked])), "doc_scale": DOC_SCALE,
              "corpus": {"seconds": corpus_seconds, "statistics": manifest["statistics"],
                         "real_statistics": manifest["real_statistics"], "fidelity": manifest["fidelity"],
                         "max_impact": manifest["max_impact"], "pool": manifest["config"]["pool"]},
              "heap": heap, "rows": rows, "load": load, "minutes": (time.perf_counter() - started) / 60,
              "command": "PYTHONPATH=. python benchmarks/scale.py"
                         + ("" if sizes == SIZES else f" --sizes {' '.join(map(str, sizes))}")
                         + (" --reuse-indexes" if reuse_indexes else "")
                         + ("" if heap == HEAP else f" --heap {heap}")}
    result["ratios"] = ratios(result)
    if chart:
        from benchmarks.scale_report import plot

        name = "scale.png" if len(sizes) > 1 else f"scale-{docs // 1000}k.png"
        result["chart"] = f"benchmarks/{name}"
        plot(result, REPO / result["chart"])
    return result


def ratios(result: dict[str, Any]) -> dict[str, float]:
    """Headline ratios at the largest size (k=10, 1 thread)."""
    from benchmarks.scale_report import headline

    return headline(result)


def markdown(result: dict[str, Any]) -> str:
    from benchmarks.scale_report import markdown as report

    return report(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20k and 100k documents, 20 queries per collection")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--per-collection", type=int, default=None, help="queries per source collection")
    parser.add_argument("--heap", default=HEAP, help=f"JVM heap of each Java child (default {HEAP})")
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--reuse-indexes", action="store_true",
                        help="search the plugin indexes a previous run left (their build figures are that run's); "
                             "BMP's is rebuilt")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    quick = {"sizes": (20_000, 100_000), "per_collection": 20, "leak_queries": 2_000} if args.quick else {}
    options = dict(quick, heap=args.heap)
    if args.sizes:
        options["sizes"] = tuple(args.sizes)
    if args.per_collection:
        options["per_collection"] = args.per_collection
    options["reuse_indexes"] = args.reuse_indexes
    result = run(args.work, **options)
    from lsr_lucene.io.atomic import write_text

    write_text(args.work / "results" / "scale.json", json.dumps(result, indent=1))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
