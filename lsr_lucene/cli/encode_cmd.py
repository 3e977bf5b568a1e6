"""``lsr-lucene encode``: documents (default) or queries to quantized impact vectors, resumable."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import ConfigError, InputFileError
from .options import add_collection_options, add_model_options, add_output_options, encode_config, encode_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_collection_options(parser)
    parser.add_argument("--output", required=True, help="output folder (shards/ + manifest.json)")
    parser.add_argument("--queries", action="store_true",
                        help="encode the judged queries of --split instead of the documents")
    parser.add_argument("--no-contents", action="store_true", help="leave 'contents' empty in the shards")
    slim = parser.add_argument_group("token level (SLIM)")
    slim.add_argument("--token-level", action="store_true",
                      help="also write every token's sparse vector to a memory-mapped token store in OUTPUT/tokens "
                           "(for `lsr-lucene search --refine slim`); the shards keep the pooled vectors")
    slim.add_argument("--token-top-k", type=int, default=20, help="vocabulary terms kept per token")
    slim.add_argument("--special-tokens", action="store_true", help="give [CLS]/[SEP] token vectors too")
    add_model_options(parser)
    add_output_options(parser)
    ray = parser.add_argument_group("distributed (documents only)")
    ray.add_argument("--ray", metavar="ADDRESS", help="encode on Ray: 'local' starts Ray on this machine, 'auto' "
                     "joins the cluster started here with `ray start`, or a cluster address host:port")
    ray.add_argument("--ray-workers", type=int, default=None,
                     help="encoder actors, one model load each (default: the cluster's CPUs); each uses --threads "
                          "torch threads (default 1)")


def run(args: argparse.Namespace) -> int:
    from ..collections import BadInput, load_collection
    from ..collections.judged import judged_queries
    from ..encoding.stages.sparse import encode_documents, encode_queries

    if args.ray and (args.queries or args.token_level):
        raise ConfigError("--ray encodes document vectors; queries and --token-level run in one process")
    bad = BadInput(args.on_bad_input)
    collection = load_collection(args.collection, bad)
    encode_docs, encode_qs = encode_documents, encode_queries
    if args.token_level:
        from functools import partial

        from ..encoding.stages.tokens import encode_documents_token_level, encode_queries_token_level
        from ..encoding.encoders.token_level import TokenLevelConfig

        tokens = TokenLevelConfig(args.token_top_k, args.special_tokens)
        encode_docs = partial(encode_documents_token_level, tokens=tokens)
        encode_qs = partial(encode_queries_token_level, tokens=tokens)
    if args.queries:
        queries = (judged_queries(collection, args.split)[0] if collection.splits()
                   else list(collection.queries_iter()))
        manifest = encode_qs(queries, args.output, encode_config(args), encode_settings(args))
    elif args.ray:
        from ..distributed.ray_encode import encode_documents_ray

        manifest = encode_documents_ray(collection.docs_iter(), args.output, encode_config(args), args.ray,
                                        encode_settings(args), args.ray_workers, store_contents=not args.no_contents)
    else:
        manifest = encode_docs(collection.docs_iter(), args.output, encode_config(args), encode_settings(args),
                               store_contents=not args.no_contents)
    if bad.skipped:
        bad.save(Path(args.output) / "skipped.json")
    totals = manifest["totals"]
    if not totals.get("records"):
        raise InputFileError(args.collection, f"holds no {'queries' if args.queries else 'documents'}: nothing to encode")
    print(json.dumps({"output": args.output, "records": totals["records"], "postings": totals["postings"],
                      "empty_vectors": totals.get("empty_vectors", 0), "skipped": len(bad.skipped),
                      **manifest.get("encode_stats", {})}))
    return 0
