#!/usr/bin/env python
"""SLIM refinement against Pyserini's ``SlimSearcher`` on the same encoded data, same machine, same run.

    python benchmarks/slim.py --collection scifact [--work outputs/slim/scifact]

Both sides refine the same first-stage candidates (our impact index, top ``k'``) with the same quantized token
vectors. Each side runs in its own subprocess so that its peak resident memory is its own:

- **ours**: ``TokenStore`` (memory-mapped ``.npy``) and ``refine_run`` (numba kernel), keyed by the collection's ids;
- **Pyserini**: ``SlimSearcher``'s own ``__init__`` loading code (``sparse_range.pkl`` + ``sparse_vec.npz``, written
  here in its format from the same store, rows numbered 0..n-1) and its own ``fast_rerank``. Only
  ``LuceneImpactSearcher.__init__`` (index, IDF table, query encoder: the first stage, not compared here) is skipped.

The report gives refinement time (median of ``--repeats``), peak RSS, RSS added after imports, whether the rankings
are identical, and what Pyserini does with the collection's own string ids. ``measure(...)`` returns it as a dict.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float:
    """Peak RSS of this process image (VmHWM; ``ru_maxrss`` would include the parent's peak, kept across fork and
    exec)."""
    return _status_mb("VmHWM")


# ---------------------------------------------------------------------------------------------------- preparation

def prepare(collection: str, work: Path, k_prime: int, threads: int = 2) -> dict[str, Any]:
    """Encode (token level), index and search the first stage once; returns the paths. Resumable."""
    from lsr_lucene import jvm
    from lsr_lucene.collections import load_collection
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.encoding.stages.tokens import encode_documents_token_level, encode_queries_token_level
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.io.atomic import write_text
    from lsr_lucene.search.batch import search_vectors

    coll = load_collection(collection)
    settings = EncodeSettings(threads=threads)
    encode_documents_token_level(coll.docs_iter(), work / "vectors", EncodeConfig(), settings)
    queries, _ = judged_queries(coll, "test")
    encode_queries_token_level(queries, work / "queries-test", EncodeConfig(), settings)
    jvm.start()
    index_impact(work / "vectors", work / "index", threads=threads)
    candidates = work / f"candidates-{k_prime}.json"
    if not candidates.is_file():
        run, _ = search_vectors(work / "index", list(read_vectors(work / "queries-test")), k_prime, threads,
                                coll.remove_query_hits)
        write_text(candidates, json.dumps({q: [[h.doc_id, h.score] for h in hits] for q, hits in run.items()}))
    return {"docs": str(work / "vectors" / "tokens"), "queries": str(work / "queries-test" / "tokens"),
            "candidates": str(candidates)}


def write_pyserini_format(docs: str, queries: str, folder: Path) -> dict[str, Any]:
    """Pyserini's SlimSearcher input (``sparse_range.pkl``: (start, end) token rows per document, by row number;
    ``sparse_vec.npz``: one CSR row per token, float32) from our store, plus the queries' token rows."""
    import pickle  # Pyserini's own input format; our tool never loads pickles

    import numpy as np
    import scipy.sparse

    from lsr_lucene.io.atomic import atomic_open, write_text
    from lsr_lucene.io.token_store import TokenStore

    folder.mkdir(parents=True, exist_ok=True)
    done = folder / "done.json"
    if done.is_file():
        return json.loads(done.read_text())
    info: dict[str, Any] = {}
    for name, path in (("docs", docs), ("queries", queries)):
        store = TokenStore(path)
        vocab = int(store.vocab_size)
        gathered = store.gather(np.arange(len(store)))
        tokens = np.asarray(gathered.vectors.tokens, np.int64)
        doc_entries = np.concatenate([[0], np.cumsum(gathered.lengths)])
        doc = np.repeat(np.arange(len(store)), gathered.lengths)
        first = np.flatnonzero(np.concatenate([[True], (doc[1:] != doc[:-1]) | (tokens[1:] != tokens[:-1])]))
        per_doc = np.bincount(doc[first], minlength=len(store))
        # one CSR row per token; Pyserini's maxsim cannot take a text without rows, so such a text gets an empty one
        indptr = list(np.append(first, len(tokens)))
        empty = np.flatnonzero(per_doc == 0)
        if empty.size:
            at = np.searchsorted(doc[first], empty)  # row position where each empty text's row goes
            indptr = list(np.insert(np.asarray(indptr[:-1]), at, doc_entries[empty])) + [len(tokens)]
            per_doc[empty] = 1
        matrix = scipy.sparse.csr_matrix((np.asarray(gathered.vectors.impacts, np.float32),
                                          np.asarray(gathered.vectors.terms, np.int32), np.asarray(indptr)),
                                         shape=(len(indptr) - 1, vocab))
        bounds = np.concatenate([[0], np.cumsum(per_doc)])
        ranges = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
        with atomic_open(folder / name / "sparse_vec.npz", "wb") as out:
            scipy.sparse.save_npz(out, matrix)
        with atomic_open(folder / name / "sparse_range.pkl", "wb") as out:
            pickle.dump(ranges, out)
        write_text(folder / name / "ids.json", json.dumps(store.ids()))
        info[name] = {"rows": len(ranges), "tokens": int(matrix.shape[0]), "entries": int(matrix.nnz),
                      "npz_bytes": (folder / name / "sparse_vec.npz").stat().st_size}
    write_text(done, json.dumps(info))
    return info


# ---------------------------------------------------------------------------------------------------- the two sides

def child_ours(spec: dict[str, Any]) -> dict[str, Any]:
    """Refine every query's candidates with our store; runs in its own process."""
    import numpy as np

    from lsr_lucene.io.token_store import TokenStore
    from lsr_lucene.search.slim import RefineConfig, refine_run
    from lsr_lucene.types import Hit

    candidates = json.loads(Path(spec["candidates"]).read_text())
    run = {q: [Hit(d, s) for d, s in hits] for q, hits in candidates.items()}
    baseline = _rss_mb()
    started = time.perf_counter()
    docs, queries = TokenStore(spec["docs"]), TokenStore(spec["queries"])
    qids = list(run)
    tokens = dict(zip(qids, (queries.gather(np.array([r])).vectors for r in queries.rows(qids).tolist())))
    load = time.perf_counter() - started
    started = time.perf_counter()  # the first call loads the compiled kernel from numba's cache (or compiles it)
    refine_run({qids[0]: run[qids[0]]}, tokens, docs, spec["k"], RefineConfig(spec["k_prime"]))
    first_call = time.perf_counter() - started
    times, cpu, result = [], [], {}
    for _ in range(spec["repeats"]):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = refine_run(run, tokens, docs, spec["k"], RefineConfig(spec["k_prime"]), spec["threads"])
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return {"load_seconds": load, "first_call_seconds": first_call, "refine_seconds": times, "refine_cpu_seconds": cpu,
            "rss_after_imports_mb": baseline, "peak_rss_mb": _peak_rss_mb(),
            "run": {q: [[h.doc_id, h.score] for h in hits] for q, hits in result.items()}}


class _Hit:
    """What Pyserini's ``fast_rerank`` reads from a first-stage hit."""

    def __init__(self, docid: str, score: float) -> None:
        self.docid, self.score = docid, score


def child_pyserini(spec: dict[str, Any]) -> dict[str, Any]:
    """Pyserini's SlimSearcher loading and fast_rerank on the same candidates; runs in its own process."""
    os.environ.setdefault("OPENAI_API_KEY", "unused")
    from lsr_lucene import jvm

    jvm.start()  # pyserini.search boots its classes at import time
    import pickle  # noqa: F401  (Pyserini unpickles its input)

    import scipy.sparse
    from lsr_lucene.pyserini_offline import import_pyserini_search

    import_pyserini_search()  # Pyserini 2.4 goes online at import
    from pyserini.search.lucene import LuceneImpactSearcher, SlimSearcher

    class _NoFirstStage(LuceneImpactSearcher):
        def __init__(self, *args: Any, **kwargs: Any) -> None:  # the first stage is not what is compared
            pass

    class Refiner(SlimSearcher, _NoFirstStage):
        """``SlimSearcher.__init__`` (its loading code, unchanged) and ``fast_rerank``, without an index."""

    folder = Path(spec["pyserini"])
    candidates = json.loads(Path(spec["candidates"]).read_text())
    doc_ids = json.loads((folder / "docs" / "ids.json").read_text())
    row_of = {d: str(i) for i, d in enumerate(doc_ids)}
    query_ids = json.loads((folder / "queries" / "ids.json").read_text())
    with open(folder / "queries" / "sparse_range.pkl", "rb") as stream:
        query_ranges = pickle.load(stream)
    query_matrix = scipy.sparse.load_npz(folder / "queries" / "sparse_vec.npz")
    q_embeds = {q: query_matrix[a:b] for q, (a, b) in zip(query_ids, query_ranges)}
    results = {q: [_Hit(row_of[d], s) for d, s in hits] for q, hits in candidates.items()}
    baseline = _rss_mb()
    started = time.perf_counter()
    searcher = Refiner(str(folder / "docs"))
    load = time.perf_counter() - started
    times, cpu, out = [], [], {}
    for _ in range(spec["repeats"]):
        started, started_cpu = time.perf_counter(), time.process_time()
        out = searcher.fast_rerank(q_embeds, results, spec["k"])
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    peak = _peak_rss_mb()
    run = {q: [[doc_ids[int(h.docid)], float(h.score)] for h in hits] for q, hits in out.items()}
    # the collection's own ids, as a Lucene impact index of this collection returns them: Pyserini takes int(docid)
    # as the row number
    own = {q: [_Hit(d, s) for d, s in hits] for q, hits in candidates.items()}
    try:
        wrong = searcher.fast_rerank(q_embeds, own, spec["k"])
        differ = sum([h.docid for h in wrong[q]] != [d for d, _ in run[q]] for q in wrong)
        string_ids = {"error": None, "wrong_rankings": differ,
                      "summary": f"silently reads the wrong rows: {differ}/{len(wrong)} rankings differ"}
    except Exception as exc:  # what a user of SlimSearcher on this collection gets
        string_ids = {"error": f"{type(exc).__name__}: {exc}", "summary": f"{type(exc).__name__}: {exc}"}
    return {"load_seconds": load, "refine_seconds": times, "refine_cpu_seconds": cpu, "rss_after_imports_mb": baseline,
            "peak_rss_mb": peak, "run": run, "string_ids": string_ids}


def child_docvalues(spec: dict[str, Any]) -> dict[str, Any]:
    """The alternative store: each document's token vectors as a Lucene BinaryDocValues blob (tokens, terms and
    impacts, the same bytes as the .npy arrays). Times fetching every query's candidates through pyjnius (Lucene doc
    ids known, the best case) against gathering them from the memory-mapped store."""
    import shutil

    import numpy as np

    from lsr_lucene import jvm
    from lsr_lucene.io.token_store import TokenStore

    jvm.start()
    store = TokenStore(spec["docs"])
    folder = Path(spec["out"]) / "docvalues-index"
    shutil.rmtree(folder, ignore_errors=True)
    directory = jvm.autoclass("org.apache.lucene.store.FSDirectory").open(
        jvm.autoclass("java.io.File")(str(folder)).toPath())
    config = jvm.autoclass("org.apache.lucene.index.IndexWriterConfig")(
        jvm.autoclass("org.apache.lucene.analysis.standard.StandardAnalyzer")())
    writer = jvm.autoclass("org.apache.lucene.index.IndexWriter")(directory, config)
    document, field = (jvm.autoclass("org.apache.lucene.document.Document"),
                       jvm.autoclass("org.apache.lucene.document.BinaryDocValuesField"))
    bytes_ref = jvm.autoclass("org.apache.lucene.util.BytesRef")
    for row in range(len(store)):  # Lucene doc id = row (one thread, one segment)
        vectors = store.gather(np.array([row])).vectors
        doc = document()
        doc.add(field("tokens", bytes_ref(b"".join(np.asarray(a).tobytes() for a in vectors))))
        writer.addDocument(doc)
    writer.forceMerge(1)
    writer.close()
    reader = jvm.autoclass("org.apache.lucene.index.DirectoryReader").open(directory)
    leaf = reader.leaves().get(0).reader()
    arrays = jvm.autoclass("java.util.Arrays")
    candidates = json.loads(Path(spec["candidates"]).read_text())
    rows = [np.sort(store.rows([d for d, _ in hits])) for hits in candidates.values() if hits]
    started = time.perf_counter()
    for query_rows in rows:
        values = leaf.getBinaryDocValues("tokens")  # forward-only iterator: one per query, ascending doc ids
        for row in query_rows.tolist():
            values.advanceExact(row)
            blob = values.binaryValue()
            arrays.copyOfRange(blob.bytes, blob.offset, blob.offset + blob.length)
    fetch = time.perf_counter() - started
    started = time.perf_counter()
    for query_rows in rows:
        store.gather(query_rows).vectors  # every field of every entry, as the doc values blobs hold
    gather = time.perf_counter() - started
    reader.close()
    return {"docvalues_fetch_ms_per_query": 1000 * fetch / len(rows), "mmap_gather_ms_per_query": 1000 * gather / len(rows),
            "docvalues_index_mb": sum(p.stat().st_size for p in folder.iterdir()) / 2**20,
            "store_mb": sum(p.stat().st_size for p in Path(spec["docs"]).rglob("*.npy")) / 2**20}


def _child(side: str, spec: dict[str, Any]) -> dict[str, Any]:
    out = Path(spec["out"]) / f"{side}.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", side, json.dumps(spec)],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{side} side failed:\n{done.stderr[-3000:]}")
    return json.loads(out.read_text())


# ---------------------------------------------------------------------------------------------------- report

def measure(collection: str = "scifact", work: str | os.PathLike | None = None, k_prime: int = 100, k: int = 10,
            repeats: int = 3, threads: int = 1, with_docvalues: bool = True) -> dict[str, Any]:
    """Run both sides on ``collection`` and return the comparison (times in seconds, memory in MiB)."""
    work = Path(work or HERE / "work" / "slim" / collection)
    paths = prepare(collection, work, k_prime)
    formats = write_pyserini_format(paths["docs"], paths["queries"], work / "pyserini-format")
    spec = {**paths, "pyserini": str(work / "pyserini-format"), "k": k, "k_prime": k_prime, "repeats": repeats,
            "threads": threads, "out": str(work)}
    ours = _child("ours", spec)
    pyserini = _child("pyserini", spec)
    ours_threads = _child("ours", {**spec, "threads": 2}) if threads == 1 else None
    docvalues = _child("docvalues", spec) if with_docvalues else None
    same = [q for q in ours["run"] if [d for d, _ in ours["run"][q]] == [d for d, _ in pyserini["run"][q]]]
    scores_equal = all(abs(a[1] - b[1]) < 1e-6 for q in same for a, b in zip(ours["run"][q], pyserini["run"][q]))
    store_bytes = sum(f.stat().st_size for f in Path(paths["docs"]).rglob("*.npy"))
    t_ours, t_pys = statistics.median(ours["refine_seconds"]), statistics.median(pyserini["refine_seconds"])
    report = {
        "collection": collection, "queries": len(ours["run"]), "k_prime": k_prime, "k": k, "repeats": repeats,
        "docs": formats["docs"], "token_store_mb": store_bytes / 2**20,
        "pyserini_npz_mb": formats["docs"]["npz_bytes"] / 2**20,
        "same_ranking_queries": len(same), "same_scores": scores_equal,
        "refine_seconds": {"ours": t_ours, "pyserini": t_pys,
                           "ours_2_threads": statistics.median(ours_threads["refine_seconds"]) if ours_threads else None},
        "speedup": t_pys / t_ours,
        "refine_cpu_seconds": {"ours": statistics.median(ours["refine_cpu_seconds"]),
                               "pyserini": statistics.median(pyserini["refine_cpu_seconds"])},
        "load_seconds": {"ours": ours["load_seconds"], "pyserini": pyserini["load_seconds"]},
        "first_call_seconds": ours["first_call_seconds"],
        "peak_rss_mb": {"ours": ours["peak_rss_mb"], "pyserini": pyserini["peak_rss_mb"]},
        "rss_after_imports_mb": {"ours": ours["rss_after_imports_mb"], "pyserini": pyserini["rss_after_imports_mb"]},
        "memory_ratio": pyserini["peak_rss_mb"] / ours["peak_rss_mb"],
        "added_rss_mb": {"ours": ours["peak_rss_mb"] - ours["rss_after_imports_mb"],
                         "pyserini": pyserini["peak_rss_mb"] - pyserini["rss_after_imports_mb"]},
        "pyserini_with_string_ids": pyserini["string_ids"],
        "docvalues": docvalues,
        "load_average": os.getloadavg(),
    }
    report["cpu_speedup"] = report["refine_cpu_seconds"]["pyserini"] / report["refine_cpu_seconds"]["ours"]
    report["added_memory_ratio"] = report["added_rss_mb"]["pyserini"] / max(report["added_rss_mb"]["ours"], 1e-9)
    return report


def markdown(report: dict[str, Any]) -> str:
    r = report
    return "\n".join([
        f"{r['collection']}: {r['queries']} test queries, k' = {r['k_prime']} candidates, top {r['k']} kept; "
        f"{r['docs']['rows']} documents, {r['docs']['tokens']} token vectors, {r['docs']['entries']} entries "
        f"(load average {r['load_average'][0]:.1f})", "",
        "| | lsr-lucene (mmap .npy store) | Pyserini SlimSearcher | ratio |",
        "|---|---|---|---|",
        f"| refinement wall time, all queries, 1 thread (median of {r['repeats']}) | {r['refine_seconds']['ours']:.3f} s | "
        f"{r['refine_seconds']['pyserini']:.3f} s | {r['speedup']:.1f}x faster |",
        f"| refinement CPU time, 1 thread (median) | {r['refine_cpu_seconds']['ours']:.3f} s | "
        f"{r['refine_cpu_seconds']['pyserini']:.3f} s | {r['cpu_speedup']:.1f}x less |",
        f"| refinement, 2 threads | {r['refine_seconds']['ours_2_threads'] or float('nan'):.3f} s | (single-threaded) | |",
        f"| loading the token vectors | {r['load_seconds']['ours']:.3f} s | {r['load_seconds']['pyserini']:.3f} s | |",
        f"| first query (loads the kernel from numba's cache) | {r['first_call_seconds']:.3f} s | | |",
        f"| peak RSS of the process | {r['peak_rss_mb']['ours']:.0f} MiB | {r['peak_rss_mb']['pyserini']:.0f} MiB | "
        f"{r['memory_ratio']:.1f}x less |",
        f"| RSS added after imports (load + refine) | {r['added_rss_mb']['ours']:.0f} MiB | "
        f"{r['added_rss_mb']['pyserini']:.0f} MiB | {r['added_memory_ratio']:.1f}x less |",
        f"| token vectors on disk | {r['token_store_mb']:.1f} MiB (.npy) | {r['pyserini_npz_mb']:.1f} MiB (.npz) | |",
        f"| same ranking | {r['same_ranking_queries']}/{r['queries']} queries, scores equal: {r['same_scores']} | | |",
        f"| the collection's string doc ids | used as is | {r['pyserini_with_string_ids']['summary']}"
        " | |",
    ] + ([] if not r.get("docvalues") else [
        "", "Store choice: the same token vectors as Lucene BinaryDocValues (one blob per document), fetched for "
        "every query's candidates through pyjnius, against the memory-mapped store:", "",
        "| | mmap .npy store | Lucene BinaryDocValues |", "|---|---|---|",
        f"| fetch a query's {r['k_prime']} candidates | {r['docvalues']['mmap_gather_ms_per_query']:.2f} ms | "
        f"{r['docvalues']['docvalues_fetch_ms_per_query']:.2f} ms (bytes only, not yet decoded) |",
        f"| size | {r['docvalues']['store_mb']:.1f} MiB | {r['docvalues']['docvalues_index_mb']:.1f} MiB |",
    ]))


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        spec = json.loads(sys.argv[3])
        result = {"ours": child_ours, "pyserini": child_pyserini, "docvalues": child_docvalues}[sys.argv[2]](spec)
        Path(spec["out"], f"{sys.argv[2]}.json").write_text(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--collection", default="scifact")
    parser.add_argument("--work", default=None, help="data folder (default benchmarks/work/slim/<collection>); "
                        "resumable")
    parser.add_argument("--k-prime", type=int, default=100)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=None, help="also write the report here")
    parser.add_argument("--no-docvalues", action="store_true", help="skip the Lucene doc values comparison")
    args = parser.parse_args()
    report = measure(args.collection, args.work, args.k_prime, args.k, args.repeats,
                     with_docvalues=not args.no_docvalues)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
