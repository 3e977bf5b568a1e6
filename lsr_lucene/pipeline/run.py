"""The whole comparison: collection -> BM25, each learned sparse model (and its SLIM refinement), dense ->
fusions -> evaluated report (``report.json``, ``report.md``, ``report.html``).

Every stage writes into the output folder and reuses its finished output, so an interrupted run resumes where it
stopped and a later run with another model reuses BM25 and dense.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any, Callable

from ..collections import BadInput, Collection, load_collection
from ..collections.heldout import heldout_queries
from ..collections.judged import judged_queries
from ..errors import ConfigError
from ..io.manifest import folder_size
from ..types import Qrel
from .config import Paths, PipelineConfig
from .stages import (Context, SystemRun, bm25_stage, check_refinable, dense_stage, per_query_ms, slim_stage,
                     sparse_stage)

log = logging.getLogger(__name__)

HELDOUT = "heldout"


def unknown_qrels_docs(qrels: list[Qrel], collection: Collection) -> list[str]:
    """Doc ids the qrels name that the corpus lacks (warned with a count: such judgments can never be retrieved)."""
    unknown = {q.doc_id for q in qrels} - {d.id for d in collection.docs_iter()}
    if unknown:
        log.warning("qrels name %d doc ids that are not in the corpus (e.g. %s); they can never be retrieved",
                    len(unknown), ", ".join(sorted(unknown)[:3]))
    return sorted(unknown)


def run_pipeline(config: PipelineConfig, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Run every stage and return the report (also written as report.json, report.md and report.html)."""
    from ..evaluation.report import write_report
    from .fusions import combinations, fusion_stage

    if not (config.impact or config.bm25):
        raise ConfigError("nothing to run: both the impact and the BM25 runs are switched off")
    if config.refine == "slim":
        for model in config.model_list():
            check_refinable(model)
    started = time.time()
    bad = BadInput(config.bad_input)
    collection = load_collection(config.collection, bad, config.remove_query_hits)
    paths = Paths(config.output_dir())
    paths.root.mkdir(parents=True, exist_ok=True)
    queries, qrels = judged_queries(collection, config.split)
    ctx = Context(config, collection, paths, {config.split: queries}, {config.split: qrels})
    heldout = heldout_queries(collection, config.split) if (config.hybrid or config.refine) else None
    if heldout is not None:
        ctx.queries[HELDOUT], ctx.qrels[HELDOUT] = heldout.queries, heldout.qrels
    say(f"collection {collection.name}: {len(queries)} judged {config.split} queries"
        + (f", {len(heldout.queries)} held-out queries for tuning ({heldout.source})" if heldout else "")
        + f"; output in {paths.root}")

    systems: list[SystemRun] = []
    if config.bm25 or "bm25" in config.hybrid:
        systems.append(bm25_stage(ctx))
    sparse = [sparse_stage(ctx, model) for model in config.model_list()] if config.impact else []
    systems += sparse
    if config.refine == "slim":
        systems += [slim_stage(ctx, first) for first in sparse]
    if "dense" in config.hybrid:
        systems.append(dense_stage(ctx))
    by_name = {system.name: system for system in systems}
    for combo in combinations([s.name for s in sparse], config.hybrid):
        systems.append(fusion_stage(ctx, [by_name[name] for name in combo]))

    unknown_docs = unknown_qrels_docs(qrels, collection)
    if bad.skipped:
        bad.save(paths.root / "skipped.json")
        say(f"skipped {len(bad.skipped)} bad records; see {paths.root / 'skipped.json'}")
    report = {"collection": collection.name, "split": config.split, "queries": len(queries),
              "heldout": {"source": heldout.source, "queries": len(heldout.queries)} if heldout else None,
              "remove_query_hits": collection.remove_query_hits, "models": list(config.model_list()),
              "config": dataclasses.asdict(config),
              "runs": {s.name: _figures(ctx, s) for s in systems},
              "doc_nnz_histograms": {s.name: _nnz_histogram(paths.model(s.name) / "vectors") for s in sparse},
              "skipped_records": len(bad.skipped), "qrels_unknown_docs": len(unknown_docs),
              "output_bytes": folder_size(paths.root), "seconds": time.time() - started}
    paths_written = write_report(paths.root, report)
    say(Path(paths_written["md"]).read_text(encoding="utf-8"))
    say(f"report: {paths_written['html']}")
    return report


def _figures(ctx: Context, system: SystemRun) -> dict[str, Any]:
    """A system's entry in the report: effectiveness (mean and per query nDCG@10), efficiency and settings."""
    from ..evaluation.measures import means, per_query

    split = ctx.config.split
    table = per_query(system.runs[split], ctx.qrels[split], ctx.config.measures)
    return {"label": system.label, "kind": system.kind, "run_file": str(ctx.paths.run(split, system.name)),
            "effectiveness": means(table), "per_query_ndcg10": table.get("nDCG@10", {}),
            "efficiency": {**system.efficiency, "ms_per_query": per_query_ms(system.seconds, len(ctx.queries[split]))},
            "settings": system.settings}


def _nnz_histogram(vectors: Path, bins: int = 40) -> dict[str, list[float]]:
    """Postings per document of an encode output, as a histogram (edges and counts)."""
    import numpy as np

    from ..io.vectors import DOCS_KIND, read_vectors

    lengths = np.fromiter((len(vector) for _, vector in read_vectors(vectors, DOCS_KIND)), dtype=np.int64)
    counts, edges = np.histogram(lengths, bins=bins) if len(lengths) else (np.zeros(0), np.zeros(0))
    return {"edges": edges.tolist(), "counts": counts.tolist(), "mean": float(lengths.mean()) if len(lengths) else 0.0}
