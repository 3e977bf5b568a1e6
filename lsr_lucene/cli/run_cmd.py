"""``lsr-lucene run``: every system on a collection (resumable), ending with one report (Markdown, JSON, HTML)."""

from __future__ import annotations

import argparse

from .options import (DEFAULT_MODEL, add_engine_option, add_jvm_options, add_model_options, add_output_options,
                      add_remove_query, encode_config, encode_settings, start_jvm)


def _systems(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--collection", default="scifact",
                        help="short name, BEIR folder or ir_datasets id (default: the embedded SciFact)")
    parser.add_argument("--split", default="test", help="qrels split to evaluate")
    parser.add_argument("--output", default=None, help="output folder (default: outputs/<collection>); BM25, dense "
                        "and each model's stages there are reused by later runs")
    parser.add_argument("--refine", choices=("slim",), default=None,
                        help="also re-rank each model's top hits by SLIM late interaction (token-level encoding)")
    parser.add_argument("--hybrid", type=_systems, default=None, metavar="dense[,bm25]",
                        help="fuse each model with these systems (and BM25 with dense); weights and method tuned on "
                             "held-out queries where the collection has them, else RRF with equal weights")
    parser.add_argument("--dense-model", default="all-MiniLM-L6-v2", help="dense model of --hybrid dense")
    parser.add_argument("--query-max-length", type=int, default=512, help="tokens per query")
    parser.add_argument("--k", type=int, default=1000, help="hits per query")
    parser.add_argument("--search-threads", type=int, default=2)
    parser.add_argument("--index-threads", type=int, default=2)
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--no-bm25", action="store_true", help="skip the BM25 baseline")
    only.add_argument("--bm25-only", action="store_true", help="only the BM25 run (no encoding)")
    parser.add_argument("--on-bad-input", choices=("fail", "skip"), default="fail")
    add_remove_query(parser)
    add_model_options(parser, repeatable=True)
    add_output_options(parser)
    add_engine_option(parser)
    add_jvm_options(parser)


def run(args: argparse.Namespace) -> int:
    from ..encoding.stages.dense import DenseEncodeConfig
    from ..pipeline import PipelineConfig, run_pipeline

    models = tuple(args.model or (DEFAULT_MODEL,))
    config = PipelineConfig(
        collection=args.collection, output=args.output, split=args.split, encode=encode_config(args, model=models[0]),
        models=models, refine=args.refine, hybrid=args.hybrid or (), dense=DenseEncodeConfig(args.dense_model),
        query_max_length=args.query_max_length, settings=encode_settings(args), k=args.k,
        search_threads=args.search_threads, index_threads=args.index_threads, engine=args.engine,
        bm25=not args.no_bm25, impact=not args.bm25_only,
        remove_query_hits=args.remove_query, bad_input=args.on_bad_input)
    start_jvm(args)
    run_pipeline(config)
    return 0
