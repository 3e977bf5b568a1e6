"""``lsr-lucene search``: a TREC run from an impact index and pre-encoded query vectors, BM25 text queries or a dense
(faiss) index; ``--hybrid`` adds other retrievers' runs and fuses them with the first."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from ..engine import DEFAULT_ENGINE
from ..errors import ConfigError
from ..search.approximate import PRESETS, Approximation, approximation, describe
from .fuse_cmd import add_fusion_options, fusion_config
from .options import add_device_option, add_engine_option, add_jvm_options, add_remove_query, start_jvm

RETRIEVERS = ("impact", "bm25", "dense")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", required=True, help="index folder: Lucene (impact, BM25) or faiss (--dense)")
    parser.add_argument("--queries", help="query vectors folder from `lsr-lucene encode --queries` (impact search)")
    parser.add_argument("--bm25", action="store_true", help="BM25 search with the text queries of --collection")
    parser.add_argument("--dense", action="store_true", help="dense search of a faiss index (`lsr-lucene "
                        "index-dense`) with the text queries of --collection")
    parser.add_argument("--collection", help="collection whose judged queries --bm25 searches; also sets the "
                        "default of --remove-query")
    parser.add_argument("--split", default="test")
    parser.add_argument("--k1", type=float, default=0.9)
    parser.add_argument("--b", type=float, default=0.4)
    parser.add_argument("--output", required=True, help="TREC run file to write")
    parser.add_argument("--k", type=int, default=1000, help="hits per query")
    parser.add_argument("--threads", type=int, default=2, help="search threads")
    add_device_option(parser, what="the dense query encoder (--dense, --hybrid dense)")
    slim = parser.add_argument_group("refinement (SLIM)")
    slim.add_argument("--refine", choices=("slim",), default=None,
                      help="re-score the first stage's top --k-prime hits by late interaction over token vectors "
                           "(needs `encode --token-level` for documents and queries)")
    slim.add_argument("--k-prime", type=int, default=100, help="first-stage hits re-scored per query")
    slim.add_argument("--alpha", type=float, default=0.0,
                      help="final score = (1 - alpha) * late interaction + alpha * first-stage score")
    slim.add_argument("--doc-tokens", default=None,
                      help="documents' token store (default: the tokens/ folder beside the vectors the index was "
                           "built from)")
    add_remove_query(parser)
    add_engine_option(parser)
    add_jvm_options(parser)
    approx = parser.add_argument_group("approximate impact search (java/ plugin; knobs at 1 are exact)")
    approx.add_argument("--approximate", default=None, metavar="PRESET",
                        help="a preset of the knobs below: " + ", ".join(
                            f"{name} ({describe(a)})" for name, a in PRESETS.items()) + " (default: exact)")
    approx.add_argument("--query-mass", type=float, default=None,
                        help="keep each query's heaviest terms carrying this fraction of its weight, in (0, 1]")
    approx.add_argument("--postings-fraction", type=float, default=None,
                        help="sum only this fraction of the kept terms' postings, those of largest contribution "
                             "(impact times weight), in (0, 1]; then rescore --candidates")
    approx.add_argument("--threshold-factor", type=float, default=None,
                        help="skip documents that cannot beat the k-th score times this factor, >= 1 (BMP's "
                             "alpha is its inverse)")
    approx.add_argument("--candidates", type=int, default=None,
                        help="rescore this many of the first search's best documents (at least --k) with the whole "
                             "query (with --query-mass or --postings-fraction below 1, or --top-postings; 0: none)")
    approx.add_argument("--top-postings", action="store_true", default=None,
                        help="search only each term's top postings (an index built with --term-top-postings), "
                             "then rescore --candidates")
    hybrid = parser.add_argument_group("hybrid search")
    hybrid.add_argument("--hybrid", default=None, help="comma-separated retrievers whose runs are fused with the "
                        "--index run: dense, bm25, impact (each needs its --<name>-index)")
    hybrid.add_argument("--dense-index", help="faiss index folder for --hybrid dense")
    hybrid.add_argument("--bm25-index", help="BM25 index folder for --hybrid bm25")
    hybrid.add_argument("--impact-index", help="impact index folder for --hybrid impact (with --impact-queries)")
    hybrid.add_argument("--impact-queries", help="query vectors folder for --hybrid impact")
    hybrid.add_argument("--save-runs", default=None, help="also write each input run of the fusion to this folder")
    add_fusion_options(parser)


def _primary(args: argparse.Namespace) -> str:
    chosen = [name for name, on in (("impact", bool(args.queries)), ("bm25", args.bm25), ("dense", args.dense)) if on]
    if len(chosen) != 1:
        raise ConfigError("give exactly one of --queries DIR (impact search), --bm25 or --dense")
    return chosen[0]


def _others(args: argparse.Namespace, primary: str) -> list[str]:
    names = [n.strip() for n in (args.hybrid or "").split(",") if n.strip()]
    for name in names:
        if name not in RETRIEVERS:
            raise ConfigError(f"--hybrid {name!r}: known retrievers are {', '.join(RETRIEVERS)}")
        if name == primary or names.count(name) > 1:
            raise ConfigError(f"--hybrid {name!r} is listed twice (the --index run is {primary!r})")
        if not getattr(args, f"{name}_index"):
            raise ConfigError(f"--hybrid {name} needs --{name}-index")
    if "impact" in names and not args.impact_queries:
        raise ConfigError("--hybrid impact needs --impact-queries (query vectors)")
    return names


def _search(name: str, index: str, vectors_dir: str | None, args: argparse.Namespace, collection: object,
            remove: bool, engine: str, columns: bool = False) -> tuple[Any, float]:
    """(run, seconds) of one searcher; with ``columns`` (for fusion) the impact and dense runs come as the
    index-numbered columns fusion takes (``search_columns``), unless self hits must be removed."""
    from ..search.batch import search_bm25, search_dense, search_vectors

    columns = columns and not remove
    if name == "impact":
        from ..io.vectors import read_vectors

        vectors = list(read_vectors(vectors_dir))
        approx = _approximation(args) if index == args.index else approximation()
        if not columns:
            return search_vectors(index, vectors, args.k, args.threads, remove, engine, approx)
        from ..search.fusion import as_columns
        from ..search.impact import open_impact_searcher

        with open_impact_searcher(index, engine, approx) as searcher:
            started = time.perf_counter()
            qids, query_vectors = [q for q, _ in vectors], [v for _, v in vectors]
            if hasattr(searcher, "search_columns"):
                found = searcher.search_columns(query_vectors, qids, args.k, args.threads)
            else:
                found = as_columns(searcher.batch_search(query_vectors, qids, args.k, args.threads), qids)
            return found, time.perf_counter() - started
    if collection is None:
        raise ConfigError(f"{name} search needs --collection for its text queries")
    from ..collections.judged import judged_queries

    queries = judged_queries(collection, args.split)[0]  # type: ignore[arg-type]
    if name == "bm25":
        return search_bm25(index, queries, args.k, args.threads, remove, args.k1, args.b)
    if not columns:
        return search_dense(index, queries, args.k, args.threads, remove, device=args.device)
    from ..search.dense import DenseSearcher

    with DenseSearcher(index, device=args.device) as searcher:
        searcher.encoder  # load the model before the clock starts
        started = time.perf_counter()
        found = searcher.search_columns([q.text for q in queries], [q.id for q in queries], args.k, args.threads)
        return found, time.perf_counter() - started


def _approximation(args: argparse.Namespace) -> Approximation:
    return approximation(args.approximate, query_mass=args.query_mass, postings_fraction=args.postings_fraction,
                         threshold_factor=args.threshold_factor, candidates=args.candidates,
                         top_postings=args.top_postings)


def run(args: argparse.Namespace) -> int:
    from ..io.trec import write_run

    primary = _primary(args)
    others = _others(args, primary)
    approx = _approximation(args)
    if args.refine and (primary != "impact" or others):
        raise ConfigError("--refine works on impact search (--queries) without --hybrid")
    if not approx.exact and (primary != "impact" or args.refine):
        raise ConfigError("--approximate, --query-mass, --postings-fraction, --threshold-factor, --candidates and "
                          "--top-postings apply to impact search (--queries) without --refine")
    fusion = fusion_config(args, args.k) if others else None
    collection = None
    if args.collection:
        from ..collections import load_collection

        collection = load_collection(args.collection, remove_query_hits=args.remove_query)
    remove = args.remove_query if args.remove_query is not None else bool(collection and collection.remove_query_hits)
    if {primary, *others} & {"impact", "bm25"}:
        start_jvm(args)
    engine = DEFAULT_ENGINE  # used by impact search only, and resolved (with its fallback warning) only then
    if "impact" in {primary, *others}:
        from ..engine import resolve_engine

        engine = resolve_engine(args.engine)
    seconds: dict[str, float] = {}
    if primary == "impact" and fusion is None:
        count, seconds["impact"] = _impact_alone(args, remove, engine)
        runs = ["impact"]
    else:
        fused = fusion is not None
        results = {primary: _search(primary, args.index, args.queries, args, collection, remove, engine, fused)}
        for name in others:
            results[name] = _search(name, getattr(args, f"{name}_index"), args.impact_queries, args, collection,
                                    remove, engine, fused)
        seconds = {name: spent for name, (_, spent) in results.items()}
        runs = list(results)
        if fusion is None:
            run_, tag = results[primary][0], {"bm25": "bm25-anserini", "dense": "dense-faiss"}[primary]
        else:
            from ..search.fusion import fuse

            started = time.perf_counter()
            run_ = fuse([single for single, _ in results.values()], fusion)
            seconds["fusion"] = time.perf_counter() - started
            tag = f"hybrid-{fusion.method}-{'-'.join(runs)}"
            if args.save_runs:
                from pathlib import Path

                for name, (single, _) in results.items():
                    single = single if isinstance(single, dict) else single.to_run()
                    write_run(Path(args.save_runs) / f"{name}.trec", single, tag=name)
        count = write_run(args.output, run_, tag)
    total = sum(seconds.values())
    stats = {"run": args.output, "queries": count, "runs": runs, "engine": engine if "impact" in runs else None,
             "approximation": dict(approx.to_dict(), preset=args.approximate) if primary == "impact" else None,
             "fusion": fusion.method if fusion else None,
             "weights": list(fusion.weights_for(len(runs))) if fusion else None,
             "seconds": round(total, 3), "seconds_by_step": {name: round(value, 4) for name, value in seconds.items()},
             "queries_per_s": round(count / total, 1) if total else None, "remove_query": remove}
    if primary == "impact":
        _write_run_manifest(args, stats)
    print(json.dumps(stats))
    return 0


def _write_run_manifest(args: argparse.Namespace, stats: dict[str, Any]) -> None:
    """``<run>.manifest.json`` beside an impact run: what made it (index and its static pruning, queries, k, engine,
    approximation knobs)."""
    from ..io.atomic import write_text
    from ..io.manifest import try_read_manifest

    index_manifest = try_read_manifest(args.index) or {}
    manifest = {"kind": "lsr-lucene/run", "index": str(args.index), "queries": args.queries, "k": args.k,
                "threads": args.threads, "index_pruning": index_manifest.get("pruning"), **stats}
    write_text(f"{args.output}.manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _impact_alone(args: argparse.Namespace, remove: bool, engine: str) -> tuple[int, float]:
    """Impact search written as it streams (memory flat in the number of queries), or SLIM-refined; (queries,
    seconds)."""
    from ..io.vectors import read_vectors
    from ..io.trec import write_run
    from ..search.batch import iter_search_vectors

    if args.refine:
        from ..search.slim import RefineConfig, search_refined

        run_, seconds = search_refined(args.index, list(read_vectors(args.queries)), args.queries, args.doc_tokens,
                                       args.k, RefineConfig(args.k_prime, args.alpha), args.threads, remove)
        return write_run(args.output, run_, f"lsr-lucene-{args.refine}"), seconds
    approx = _approximation(args)
    started = time.perf_counter()
    count = write_run(args.output, iter_search_vectors(args.index, read_vectors(args.queries), args.k, args.threads,
                                                       remove, engine, approximation=approx),
                      "lsr-lucene" if approx.exact else "lsr-lucene-approximate")
    return count, time.perf_counter() - started
