"""The whole job: collection -> encoded vectors -> impact index (and BM25 index) -> runs -> evaluated report.

Every stage writes into the output folder and is skipped when its finished output is already there, so an
interrupted run resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .collections import BadInput, Collection, load_collection
from .collections.beir import corpus_line_count
from .collections.judged import judged_queries
from .encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents, encode_queries
from .io.vectors import read_vectors
from .errors import ConfigError
from .evaluation.measures import DEFAULT_MEASURES
from .io.manifest import folder_size
from .io.trec import write_run
from .types import Qrel, Query

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineConfig:
    collection: str = "scifact"
    output: str | None = None
    """Default: ``outputs/<collection>-<model>``."""
    split: str = "test"
    encode: EncodeConfig = EncodeConfig()
    query_max_length: int = 512
    settings: EncodeSettings = EncodeSettings()
    k: int = 1000
    search_threads: int = 2
    index_threads: int = 2
    engine: str = "plugin"
    """Impact indexing and search: ``plugin`` (java/, falls back to ``anserini`` when unavailable) or ``anserini``."""
    bm25: bool = True
    impact: bool = True
    remove_query_hits: bool | None = None
    """None: the collection's default (on for BEIR, off for classic collections)."""
    bad_input: str = "fail"
    measures: tuple[str, ...] = DEFAULT_MEASURES

    def output_dir(self) -> Path:
        if self.output:
            return Path(self.output)
        model = Path(self.encode.model).name or self.encode.model
        name = Path(self.collection).name.split(".")[0]
        return Path("outputs") / f"{name}-{model}"


@dataclass
class Paths:
    root: Path
    vectors: Path = field(init=False)
    query_vectors: Path = field(init=False)
    impact_index: Path = field(init=False)
    bm25_index: Path = field(init=False)
    runs: Path = field(init=False)

    def __post_init__(self) -> None:
        self.vectors = self.root / "vectors"
        self.query_vectors = self.root / "query-vectors"
        self.impact_index = self.root / "index-impact"
        self.bm25_index = self.root / "index-bm25"
        self.runs = self.root / "runs"


def unknown_qrels_docs(qrels: list[Qrel], collection: Collection) -> list[str]:
    """Doc ids the qrels name that the corpus lacks (warned with a count: such judgments can never be retrieved)."""
    unknown = {q.doc_id for q in qrels} - {d.id for d in collection.docs_iter()}
    if unknown:
        log.warning("qrels name %d doc ids that are not in the corpus (e.g. %s); they can never be retrieved",
                    len(unknown), ", ".join(sorted(unknown)[:3]))
    return sorted(unknown)


def run_pipeline(config: PipelineConfig, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Run every stage and return the report (also written as report.json and report.md)."""
    from .evaluation.report import write_report

    if not (config.impact or config.bm25):
        raise ConfigError("nothing to run: both the impact and the BM25 runs are switched off")
    bad = BadInput(config.bad_input)
    collection = load_collection(config.collection, bad, config.remove_query_hits)
    paths = Paths(config.output_dir())
    paths.root.mkdir(parents=True, exist_ok=True)
    queries, qrels = judged_queries(collection, config.split)
    say(f"collection {collection.name}: {len(queries)} judged {config.split} queries; output in {paths.root}")
    runs: dict[str, dict[str, Any]] = {}
    if config.impact:
        runs["impact"] = impact_stage(config, collection, queries, qrels, paths)
    if config.bm25:
        runs["bm25"] = bm25_stage(config, collection, queries, qrels, paths)
    unknown_docs = unknown_qrels_docs(qrels, collection)
    if bad.skipped:
        bad.save(paths.root / "skipped.json")
        say(f"skipped {len(bad.skipped)} bad records; see {paths.root / 'skipped.json'}")
    report = {"collection": collection.name, "split": config.split, "queries": len(queries),
              "remove_query_hits": collection.remove_query_hits, "model": config.encode.model,
              "config": dataclasses.asdict(config), "runs": runs, "skipped_records": len(bad.skipped),
              "qrels_unknown_docs": len(unknown_docs),
              "output_bytes": folder_size(paths.root)}
    json_path, md_path = write_report(paths.root, report)
    say(Path(md_path).read_text(encoding="utf-8"))
    say(f"report: {json_path}")
    return report


def impact_stage(config: PipelineConfig, collection: Collection, queries: list[Query], qrels: list[Qrel],
                 paths: Paths) -> dict[str, Any]:
    """Encode, index, search and evaluate the learned sparse run; its figures for the report."""
    from .evaluation.efficiency import flops, lucene_doc_freqs, query_term_fractions
    from .evaluation.measures import evaluate
    from .engine import resolve_engine
    from .indexing.impact import index_impact
    from .search.batch import search_vectors

    docs = encode_documents(collection.docs_iter(), paths.vectors, config.encode, config.settings,
                            total=corpus_line_count(collection))
    query_config = dataclasses.replace(config.encode, max_length=config.query_max_length)
    query_manifest = encode_queries(queries, paths.query_vectors, query_config, config.settings)
    index = index_impact(paths.vectors, paths.impact_index, config.index_threads, progress=config.settings.progress,
                         engine=config.engine)
    vectors = list(read_vectors(paths.query_vectors))
    search_engine = resolve_engine(config.engine)
    run, seconds = search_vectors(paths.impact_index, vectors, config.k, config.search_threads,
                                  collection.remove_query_hits, search_engine)
    name = Path(config.encode.model).name
    write_run(paths.runs / "impact.trec", run, tag=f"lsr-lucene-{name}")
    fractions, n_queries, query_nnz = query_term_fractions(v for _, v in vectors)
    doc_freqs = lucene_doc_freqs(str(paths.impact_index), fractions.keys())
    stats = docs.get("encode_stats", {})
    return {
        "label": f"{name} (impact)",
        "run_file": str(paths.runs / "impact.trec"),
        "effectiveness": evaluate(run, qrels, config.measures),
        "efficiency": {
            "query_nnz": query_nnz,
            "doc_nnz": docs["totals"]["postings"] / max(1, docs["totals"]["records"]),
            "flops": flops(fractions, doc_freqs, index["lucene"]["documents"]),
            "index_mb": index["bytes"] / 2**20,
            "index_docs": index["lucene"]["documents"],
            "encode_docs_per_s": stats["texts"] / stats["seconds"] if stats.get("seconds") else None,
            "docs_truncated": stats.get("truncated"),
            "queries_truncated": query_manifest.get("encode_stats", {}).get("truncated"),
            "queries_per_s": n_queries / seconds if seconds > 0 else None,
            "index_seconds": index["seconds"],
            "index_engine": index.get("engine"),
            "search_engine": search_engine,
        },
    }


def bm25_stage(config: PipelineConfig, collection: Collection, queries: list[Query], qrels: list[Qrel],
               paths: Paths) -> dict[str, Any]:
    """Index the raw text with BM25, search and evaluate; its figures for the report."""
    from .evaluation.measures import evaluate
    from .indexing.anserini import index_bm25
    from .search.batch import search_bm25

    index = index_bm25(collection.docs_iter(), paths.bm25_index, config.index_threads,
                       progress=config.settings.progress, source=str(config.collection))
    run, seconds = search_bm25(paths.bm25_index, queries, config.k, config.search_threads,
                               collection.remove_query_hits)
    write_run(paths.runs / "bm25.trec", run, tag="bm25-anserini")
    return {
        "label": "BM25 (k1=0.9, b=0.4)",
        "run_file": str(paths.runs / "bm25.trec"),
        "effectiveness": evaluate(run, qrels, config.measures),
        "efficiency": {"index_mb": index["bytes"] / 2**20,
                       "queries_per_s": len(queries) / seconds if seconds > 0 else None,
                       "index_seconds": index["seconds"]},
    }
