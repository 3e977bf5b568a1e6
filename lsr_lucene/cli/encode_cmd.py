"""``lsr-lucene encode``: documents (default) or queries to quantized impact vectors, resumable."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import ConfigError
from .options import add_collection_options, add_model_options, add_output_options, encode_config, run_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_collection_options(parser)
    parser.add_argument("--output", required=True, help="output folder (shards/ + manifest.json)")
    parser.add_argument("--queries", action="store_true",
                        help="encode the judged queries of --split instead of the documents")
    parser.add_argument("--no-contents", action="store_true", help="leave 'contents' empty in the shards")
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
    from ..encode import encode_documents, encode_queries
    from ..pipeline import judged_queries

    if args.ray and args.queries:
        raise ConfigError("--ray encodes documents; queries are encoded in one process")
    bad = BadInput(args.on_bad_input)
    collection = load_collection(args.collection, bad)
    if args.queries:
        queries = (judged_queries(collection, args.split)[0] if collection.splits()
                   else list(collection.queries_iter()))
        manifest = encode_queries(queries, args.output, encode_config(args), run_settings(args))
    elif args.ray:
        from ..distributed.ray_encode import encode_documents_ray

        manifest = encode_documents_ray(collection.docs_iter(), args.output, encode_config(args), args.ray,
                                        run_settings(args), args.ray_workers, store_contents=not args.no_contents)
    else:
        manifest = encode_documents(collection.docs_iter(), args.output, encode_config(args), run_settings(args),
                                    store_contents=not args.no_contents)
    if bad.skipped:
        bad.save(Path(args.output) / "skipped.json")
    totals = manifest["totals"]
    print(json.dumps({"output": args.output, "records": totals["records"], "postings": totals["postings"],
                      "empty_vectors": totals.get("empty_vectors", 0), "skipped": len(bad.skipped),
                      **manifest.get("encode_stats", {})}))
    return 0
