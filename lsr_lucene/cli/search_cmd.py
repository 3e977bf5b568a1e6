"""``lsr-lucene search``: a TREC run from an impact index and pre-encoded query vectors, or BM25 text queries."""

from __future__ import annotations

import argparse
import json
import time

from ..errors import ConfigError
from .options import add_engine_option, add_jvm_options, add_remove_query, start_jvm


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", required=True, help="Lucene index folder")
    parser.add_argument("--queries", help="query vectors folder from `lsr-lucene encode --queries` (impact search)")
    parser.add_argument("--bm25", action="store_true", help="BM25 search with the text queries of --collection")
    parser.add_argument("--collection", help="collection whose judged queries --bm25 searches; also sets the "
                        "default of --remove-query")
    parser.add_argument("--split", default="test")
    parser.add_argument("--k1", type=float, default=0.9)
    parser.add_argument("--b", type=float, default=0.4)
    parser.add_argument("--output", required=True, help="TREC run file to write")
    parser.add_argument("--k", type=int, default=1000, help="hits per query")
    parser.add_argument("--threads", type=int, default=2, help="search threads")
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


def run(args: argparse.Namespace) -> int:
    from ..io.trec import write_run
    from ..search.batch import iter_search_vectors, search_bm25

    collection = None
    if args.collection:
        from ..collections import load_collection

        collection = load_collection(args.collection, remove_query_hits=args.remove_query)
    remove = args.remove_query if args.remove_query is not None else bool(collection and collection.remove_query_hits)
    start_jvm(args)
    if args.bm25:
        if collection is None:
            raise ConfigError("--bm25 needs --collection for its queries")
        if args.refine:
            raise ConfigError("--refine works on impact search (--queries), not --bm25")
        from ..pipeline import judged_queries

        queries = judged_queries(collection, args.split)[0]
        run_, seconds = search_bm25(args.index, queries, args.k, args.threads, remove, args.k1, args.b)
        count = write_run(args.output, run_, "bm25-anserini")
        engine = "anserini"
    else:
        if not args.queries:
            raise ConfigError("give --queries DIR (query vectors) or --bm25")
        from ..encode import read_vectors
        from ..engine import resolve_engine

        engine = resolve_engine(args.engine)
        if args.refine:
            from ..search.slim import RefineConfig, search_refined

            run_, seconds = search_refined(args.index, list(read_vectors(args.queries)), args.queries,
                                           args.doc_tokens, args.k, RefineConfig(args.k_prime, args.alpha),
                                           args.threads, remove)
            count = write_run(args.output, run_, f"lsr-lucene-{args.refine}")
        else:
            started = time.perf_counter()
            count = write_run(args.output, iter_search_vectors(args.index, read_vectors(args.queries), args.k,
                                                               args.threads, remove, engine), "lsr-lucene")
            seconds = time.perf_counter() - started
    print(json.dumps({"run": args.output, "engine": engine, "queries": count, "seconds": round(seconds, 3),
                      "queries_per_s": round(count / seconds, 1) if seconds else None,
                      "remove_query": remove}))
    return 0
