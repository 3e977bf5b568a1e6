#!/usr/bin/env python
"""Hybrid-search report: single runs (SPLADE-tiny impact, BM25, MiniLM dense) and every fusion method, with fusion
weights tuned on held-out queries (never on the test qrels), evaluated on the test queries.

    python scripts/fusion_report.py scifact [--work benchmarks/work/scifact]
    python scripts/fusion_report.py arguana [--work benchmarks/work/arguana]

Resumable: the pipeline outputs (vectors, indexes) and runs in the work folder are reused. Tuning queries:
SciFact's ``qrels/train.tsv`` (809 queries); ArguAna ships no training qrels, so either its own validation debates
(``--tuning dev``, default: lsr_lucene/collections/arguana.py) or a seeded sample of 1,000 synthetic ``genq/``
queries (``--tuning genq``). Writes ``fusion-report-<tuning>.json`` and ``.md`` into the work folder and prints the
table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TUNING = {
    "scifact": {"train": {"queries": "queries.jsonl", "qrels": "qrels/train.tsv", "sample": None,
                          "label": "the qrels/train.tsv queries"}},
    "arguana": {"dev": {"split": "validation", "label": "ArguAna's validation debates (argument -> its "
                        "counter-argument, the test construction on disjoint debates)"},
                "genq": {"queries": "genq/queries.jsonl", "qrels": "genq/qrels/train.tsv", "sample": 1000,
                         "label": "a seeded sample of the synthetic genq/ queries"}},
}
SYSTEMS = {"impact": "SPLADE-tiny impact", "bm25": "BM25", "dense": "MiniLM dense"}


def _labels(model: str) -> dict[str, str]:
    """Run labels; the impact run is named after its model (a trained ``.../<name>/model`` folder by ``<name>``)."""
    path = Path(model)
    name = path.parent.name if path.name == "model" else path.name
    return dict(SYSTEMS, impact="SPLADE-tiny impact" if name == "splade-tiny" else f"{name} impact")
COMBINATIONS = [("impact", "dense"), ("bm25", "dense"), ("impact", "bm25"), ("impact", "bm25", "dense")]
METHODS = ("rrf", "minmax", "zscore", "raw")
MEASURES = ("nDCG@10", "R@100")


def _runs_for(queries: list, qrels: list, paths: Any, pipeline: Any, collection: Any, remove: bool,
              tag: str, threads: int) -> dict[str, dict]:
    """impact, BM25 and dense runs for ``queries`` (cached as TREC files in the work folder's runs/)."""
    from lsr_lucene.encoding.stages.sparse import encode_queries
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.io.trec import read_run, write_run
    from lsr_lucene.search.batch import search_bm25, search_dense, search_vectors

    runs = {}
    for name in SYSTEMS:
        path = paths.runs / f"{tag}-{name}.trec"
        if path.is_file():
            runs[name] = read_run(path)
            continue
        if name == "impact":
            folder = paths.root / f"query-vectors-{tag}"
            config = dataclasses.replace(pipeline.encode, max_length=pipeline.query_max_length)
            encode_queries(queries, folder, config, pipeline.settings)
            run, _ = search_vectors(paths.impact_index, list(read_vectors(folder)), pipeline.k, threads, remove)
        elif name == "bm25":
            run, _ = search_bm25(paths.bm25_index, queries, pipeline.k, threads, remove)
        else:
            run, _ = search_dense(paths.root / "index-dense", queries, pipeline.k, threads, remove)
        write_run(path, run, tag=name)
        runs[name] = read_run(path)  # as any run file is read back (scores at 6 decimals)
    return runs


def tuning_set(collection: Any, name: str, spec: dict[str, Any], exclude: list[str]) -> tuple[list, list]:
    """Held-out (queries, qrels) for tuning: a qrels split, a sample of synthetic queries, or ArguAna's dev split."""
    from lsr_lucene.collections.arguana import counterargument_pairs
    from lsr_lucene.search.tuning import heldout_queries

    folder = Path(collection.folder)
    if "split" in spec:
        queries, qrels = counterargument_pairs(folder / "corpus.jsonl", spec["split"])
        overlap = {q.id for q in queries} & set(exclude)
        assert not overlap, f"dev queries overlap the test queries: {sorted(overlap)[:3]}"
        return queries, qrels
    return heldout_queries(folder / spec["queries"], folder / spec["qrels"], spec["sample"], seed=0, exclude=exclude)


def prepare(collection_name: str, work: str | None = None, progress: bool = True,
            model: str = "splade-tiny") -> tuple[Any, Any, dict[str, Any]]:
    """The pipeline (impact and BM25 indexes, encoded test queries) and the MiniLM dense index of one collection in
    its work folder, made once; (pipeline config, collection, dense vectors manifest)."""
    from lsr_lucene.collections import load_collection
    from lsr_lucene.collections.beir import corpus_line_count
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings
    from lsr_lucene.encoding.stages.dense import DenseEncodeConfig, encode_dense_documents
    from lsr_lucene.indexing.dense import index_dense
    from lsr_lucene.pipeline import PipelineConfig, run_pipeline

    work_dir = Path(work or REPO / "benchmarks" / "work" / collection_name)
    pipeline = PipelineConfig(collection=collection_name, output=str(work_dir), encode=EncodeConfig(model),
                              settings=EncodeSettings(progress=progress))
    run_pipeline(pipeline, say=lambda text: None)
    collection = load_collection(collection_name)
    settings = EncodeSettings(batch_size=32, progress=progress)
    dense_vectors = encode_dense_documents(collection.docs_iter(), work_dir / "dense-vectors", DenseEncodeConfig(),
                                           settings, total=corpus_line_count(collection))
    index_dense(work_dir / "dense-vectors", work_dir / "index-dense", progress=progress)
    return pipeline, collection, dense_vectors


def build_report(collection_name: str, work: str | None = None, step: float = 0.1, threads: int = 2,
                 progress: bool = True, say: Any = print, tuning: str | None = None,
                 model: str = "splade-tiny") -> dict[str, Any]:
    """Run everything for one collection and return the report (also written into the work folder); ``model`` is
    the learned sparse encoder of the impact runs."""
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.evaluation.measures import evaluate
    from lsr_lucene.io.atomic import write_text
    from lsr_lucene.pipeline import Paths
    from lsr_lucene.search.fusion import FusionConfig, fuse
    from lsr_lucene.search.tuning import tune_weights, weight_grid

    started = time.time()
    pipeline, collection, dense_vectors = prepare(collection_name, work, progress, model)
    work_dir = Path(pipeline.output)
    paths = Paths(work_dir)
    remove = collection.remove_query_hits

    test_queries, test_qrels = judged_queries(collection, "test")
    tuning = tuning or next(iter(TUNING[collection_name]))
    tune_spec = TUNING[collection_name][tuning]
    tune_queries, tune_qrels = tuning_set(collection, tuning, tune_spec, [q.id for q in test_queries])
    say(f"{collection_name}: {len(test_queries)} test queries; tuning on {len(tune_queries)} held-out queries")
    test = _runs_for(test_queries, test_qrels, paths, pipeline, collection, remove, "test", threads)
    tune = _runs_for(tune_queries, tune_qrels, paths, pipeline, collection, remove, f"tune-{tuning}", threads)

    labels = _labels(model)
    rows: list[dict[str, Any]] = []
    for name, label in labels.items():
        rows.append({"run": label, "systems": [name], "method": None, "weights": None,
                     "tune": evaluate(tune[name], tune_qrels, ["nDCG@10"])["nDCG@10"],
                     "test": evaluate(test[name], test_qrels, MEASURES)})
    for combo in COMBINATIONS:
        base = " + ".join(labels[n] for n in combo)
        equal = FusionConfig("rrf", k=pipeline.k)
        rows.append({"run": base, "systems": list(combo), "method": "rrf", "weights": [1.0] * len(combo),
                     "tune": evaluate(fuse([tune[n] for n in combo], equal), tune_qrels, ["nDCG@10"])["nDCG@10"],
                     "test": evaluate(fuse([test[n] for n in combo], equal), test_qrels, MEASURES),
                     "tuned": False})
        for method in METHODS:
            result = tune_weights([tune[n] for n in combo], tune_qrels, FusionConfig(method, k=pipeline.k),
                                  weight_grid(len(combo), step))
            rows.append({"run": base, "systems": list(combo), "method": method,
                         "weights": list(result.config.weights or ()), "tune": result.score,
                         "test": evaluate(fuse([test[n] for n in combo], result.config), test_qrels, MEASURES),
                         "tuned": True})
        tuned = [r for r in rows if r["systems"] == list(combo) and r.get("tuned")]
        max(tuned, key=lambda r: r["tune"])["selected"] = True
    report = {"collection": collection_name, "test_queries": len(test_queries), "tuning": tuning,
              "tuning_label": tune_spec["label"], "tuning_queries": len(tune_queries), "remove_query_hits": remove, "grid_step": step,
              "sparse_model": model, "dense_model": dense_vectors["config"]["model"], "rows": rows,
              "seconds": time.time() - started}
    write_text(work_dir / f"fusion-report-{tuning}.json", json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    write_text(work_dir / f"fusion-report-{tuning}.md", table)
    say(table)
    return report


def markdown(report: dict[str, Any]) -> str:
    """One row per run: method, weights (tuned on held-out queries), tuning nDCG@10, test nDCG@10 and R@100."""
    lines = [f"{report['collection']}: {report['test_queries']} test queries; weights tuned on "
             f"{report['tuning_label']} ({report['tuning_queries']} queries, grid step {report['grid_step']}); "
             "* = method chosen on the tuning queries", "",
             "| run | fusion | weights | tuning nDCG@10 | test nDCG@10 | test R@100 |", "|---|---|---|---|---|---|"]
    for row in report["rows"]:
        method = "–" if row["method"] is None else row["method"] + (" (tuned)" if row.get("tuned") else " (equal)")
        weights = "–" if row["weights"] is None else "/".join(f"{w:g}" for w in row["weights"])
        star = " *" if row.get("selected") else ""
        lines.append(f"| {row['run']} | {method}{star} | {weights} | {row['tune']:.4f} | "
                     f"{row['test']['nDCG@10']:.4f} | {row['test']['R@100']:.4f} |")
    return "\n".join(lines) + "\n"


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("collection", choices=sorted(TUNING))
    parser.add_argument("--tuning", default=None, help="held-out query set: scifact: train; arguana: dev (default) "
                        "or genq")
    parser.add_argument("--work", default=None, help="work folder (default: benchmarks/work/<collection>)")
    parser.add_argument("--step", type=float, default=0.1, help="weight grid step")
    parser.add_argument("--model", default="splade-tiny", help="learned sparse encoder: a registered name, "
                        "checkpoint folder (e.g. a trained outputs/train/<name>/model) or hub name")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    from lsr_lucene import jvm

    jvm.start()
    if args.tuning is not None and args.tuning not in TUNING[args.collection]:
        parser.error(f"--tuning for {args.collection}: one of {', '.join(TUNING[args.collection])}")
    build_report(args.collection, args.work, args.step, args.threads, not args.quiet, tuning=args.tuning,
                 model=args.model)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
