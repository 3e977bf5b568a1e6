#!/usr/bin/env python
"""The adaptation report of one collection: BM25, SPLADE-tiny, the adapted model(s), MiniLM dense and their fusions,
nDCG@10 and R@100 on the test queries, with each sparse model's FLOPS.

    python scripts/adapt_report.py adi --adapted outputs/adapt/adi/model
    python scripts/adapt_report.py cacm --write-log A outputs/cacm-log-A.jsonl    # half A's query text, no judgments
    python scripts/adapt_report.py cacm --adapted outputs/adapt/cacm-log/model --half B

Every sparse run goes through the real pipeline (``run_pipeline``: impact index, pre-encoded queries, Anserini
conventions); the SPLADE-tiny and BM25 runs and the dense index are made once in ``<work>/base``, each adapted model's
in ``<work>/<name>``. Fusion is fixed in advance, never tuned: reciprocal rank fusion (k = 60), equal weights
(``_fusion``). The query-log protocol splits the test queries in two halves by a fixed seeded hash of their ids
(``half_of``), adapts on one half's text alone (``--write-log``, then ``lsr-lucene adapt --queries``) and reports on
the other (``--half``), next to BM25 on that same half. Writes ``<work>/adapt-report[-half-X].json`` and ``.md`` and
prints the table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MEASURES = ("nDCG@10", "R@100")


HALF_SEED = 21


def half_of(query_id: str) -> str:
    """``A`` or ``B``: the query's half, by a seeded hash of its id (``training.data.is_dev``)."""
    from lsr_lucene.training.data import is_dev

    return "A" if is_dev(query_id, 0.5, HALF_SEED) else "B"


def write_log(collection_name: str, half: str, path: str) -> int:
    """Write the text of the test queries of ``half`` (ids and text only) as JSONL; how many."""
    from lsr_lucene.collections import BadInput, load_collection
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.io.atomic import write_text

    queries, _ = judged_queries(load_collection(collection_name, BadInput("skip")), "test")
    chosen = [q for q in queries if half_of(q.id) == half]
    write_text(Path(path), "".join(json.dumps({"_id": q.id, "text": q.text}) + "\n" for q in chosen))
    return len(chosen)


def _fusion() -> Any:
    from lsr_lucene.search.fusion import FusionConfig

    return FusionConfig("rrf", k=1000)


def _model_name(model: str) -> str:
    path = Path(model)
    return path.parent.name if path.name == "model" else path.name


def sparse_run(collection: str, model: str, work: Path, progress: bool) -> dict[str, Any]:
    """The pipeline's impact run of ``model`` (and BM25 for the base folder); its report."""
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings
    from lsr_lucene.pipeline import PipelineConfig, run_pipeline

    config = PipelineConfig(collection=collection, output=str(work), encode=EncodeConfig(model),
                            settings=EncodeSettings(progress=progress), bm25=work.name == "base",
                            bad_input="skip")
    report_path = work / "report.json"
    if report_path.is_file():
        return json.loads(report_path.read_text(encoding="utf-8"))
    return run_pipeline(config, say=lambda text: None)


def dense_run(collection: Any, queries: list, work: Path, progress: bool) -> dict:
    """MiniLM dense run of the test queries (index and run kept in ``work``)."""
    from lsr_lucene.collections.beir import corpus_line_count
    from lsr_lucene.encoding.stages.dense import DenseEncodeConfig, encode_dense_documents
    from lsr_lucene.encoding.stages.sparse import EncodeSettings
    from lsr_lucene.indexing.dense import index_dense
    from lsr_lucene.io.trec import read_run, write_run
    from lsr_lucene.search.batch import search_dense

    path = work / "runs" / "dense.trec"
    if not path.is_file():
        encode_dense_documents(collection.docs_iter(), work / "dense-vectors", DenseEncodeConfig(),
                               EncodeSettings(batch_size=32, progress=progress), total=corpus_line_count(collection))
        index_dense(work / "dense-vectors", work / "index-dense", progress=progress)
        run, _ = search_dense(work / "index-dense", queries, 1000, 2, collection.remove_query_hits)
        write_run(path, run, tag="dense")
    return read_run(path)


def build_report(collection_name: str, adapted: list[str], work: Path, half: str | None = None,
                 progress: bool = True) -> dict[str, Any]:
    from lsr_lucene.collections import BadInput, load_collection
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.evaluation.measures import evaluate
    from lsr_lucene.io.atomic import write_text
    from lsr_lucene.io.trec import read_run
    from lsr_lucene.search.fusion import fuse

    collection = load_collection(collection_name, BadInput("skip"))
    queries, qrels = judged_queries(collection, "test")
    base = sparse_run(collection_name, "splade-tiny", work / "base", progress)
    runs = {"BM25": read_run(base["runs"]["bm25"]["run_file"]),
            "SPLADE-tiny": read_run(base["runs"]["impact"]["run_file"]),
            "dense": dense_run(collection, queries, work / "base", progress)}
    flops = {"SPLADE-tiny": base["runs"]["impact"]["efficiency"]}
    for model in adapted:
        name = _model_name(model)
        report = sparse_run(collection_name, model, work / name, progress)
        runs[name] = read_run(report["runs"]["impact"]["run_file"])
        flops[name] = report["runs"]["impact"]["efficiency"]
    if half is not None:
        keep = {q.id for q in queries if half_of(q.id) == half}
        qrels = [q for q in qrels if q.query_id in keep]
        runs = {name: {qid: hits for qid, hits in run.items() if qid in keep} for name, run in runs.items()}
    combos = [("BM25", "dense"), ("SPLADE-tiny", "BM25", "dense")] + [(_model_name(m), "BM25", "dense")
                                                                       for m in adapted]
    rows = [{"run": name, "test": evaluate(run, qrels, MEASURES)} for name, run in runs.items()]
    rows += [{"run": " + ".join(combo), "test": evaluate(fuse([runs[n] for n in combo], _fusion()), qrels, MEASURES)}
             for combo in combos]
    for row in rows:
        if row["run"] in flops:
            row["efficiency"] = {k: flops[row["run"]][k] for k in ("flops", "doc_nnz", "query_nnz")}
    result = {"collection": collection_name, "half": half, "queries": len({q.query_id for q in qrels}),
              "fusion": dataclasses.asdict(_fusion()), "rows": rows}
    stem = "adapt-report" + (f"-half-{half}" if half else "")
    write_text(work / f"{stem}.json", json.dumps(result, indent=1) + "\n")
    write_text(work / f"{stem}.md", markdown(result))
    return result


def markdown(report: dict[str, Any]) -> str:
    scope = f"test half {report['half']}" if report["half"] else "test"
    lines = [f"{report['collection']}: {report['queries']} {scope} queries; fusion: RRF (k=60), equal weights", "",
             "| run | nDCG@10 | R@100 | FLOPS | doc nnz | query nnz |", "|---|---|---|---|---|---|"]
    for row in report["rows"]:
        eff = row.get("efficiency")
        cost = (f"{eff['flops']:.2f} | {eff['doc_nnz']:.1f} | {eff['query_nnz']:.1f}" if eff else "– | – | –")
        lines.append(f"| {row['run']} | {row['test']['nDCG@10']:.4f} | {row['test']['R@100']:.4f} | {cost} |")
    return "\n".join(lines) + "\n"


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("collection")
    parser.add_argument("--adapted", nargs="*", default=[], help="adapted model folders (lsr-lucene adapt --output)")
    parser.add_argument("--work", default=None, help="work folder (default: benchmarks/work/adapt/<collection>)")
    parser.add_argument("--half", choices=("A", "B"), help="score only this half of the test queries")
    parser.add_argument("--write-log", nargs=2, metavar=("HALF", "FILE"), help="write the text of one half of the "
                        "test queries (a query log without judgments) and stop")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    if args.write_log:
        half, path = args.write_log
        print(f"{write_log(args.collection, half, path)} queries of half {half} in {path}")
        return 0
    from lsr_lucene import jvm

    jvm.start("4g")
    work = Path(args.work or REPO / "benchmarks" / "work" / "adapt" / args.collection)
    report = build_report(args.collection, args.adapted, work, args.half, not args.quiet)
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(cli())
