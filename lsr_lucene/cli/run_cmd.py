"""``lsr-lucene run``: the whole pipeline on a collection (resumable), ending with a report against BM25."""

from __future__ import annotations

import argparse

from .options import (add_engine_option, add_jvm_options, add_model_options, add_output_options, add_remove_query,
                      encode_config, encode_settings, start_jvm)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--collection", default="scifact",
                        help="short name, BEIR folder or ir_datasets id (default: the embedded SciFact)")
    parser.add_argument("--split", default="test", help="qrels split to evaluate")
    parser.add_argument("--output", default=None, help="output folder (default: outputs/<collection>-<model>)")
    parser.add_argument("--query-max-length", type=int, default=512, help="tokens per query")
    parser.add_argument("--k", type=int, default=1000, help="hits per query")
    parser.add_argument("--search-threads", type=int, default=2)
    parser.add_argument("--index-threads", type=int, default=2)
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--no-bm25", action="store_true", help="skip the BM25 baseline")
    only.add_argument("--bm25-only", action="store_true", help="only the BM25 run (no encoding)")
    parser.add_argument("--on-bad-input", choices=("fail", "skip"), default="fail")
    add_remove_query(parser)
    add_model_options(parser)
    add_output_options(parser)
    add_engine_option(parser)
    add_jvm_options(parser)


def run(args: argparse.Namespace) -> int:
    from ..pipeline import PipelineConfig, run_pipeline

    config = PipelineConfig(
        collection=args.collection, output=args.output, split=args.split, encode=encode_config(args),
        query_max_length=args.query_max_length, settings=encode_settings(args), k=args.k,
        search_threads=args.search_threads, index_threads=args.index_threads, engine=args.engine,
        bm25=not args.no_bm25, impact=not args.bm25_only,
        remove_query_hits=args.remove_query, bad_input=args.on_bad_input)
    start_jvm(args)
    run_pipeline(config)
    return 0
