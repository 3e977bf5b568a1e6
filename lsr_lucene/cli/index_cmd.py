"""``lsr-lucene index``: an impact index from encoded vectors, or (``--bm25``) a BM25 index from a collection."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import ConfigError
from .options import add_engine_option, add_jvm_options, start_jvm


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vectors", help="folder written by `lsr-lucene encode` (impact index)")
    parser.add_argument("--bm25", action="store_true", help="build a BM25 index of --collection's raw text instead")
    parser.add_argument("--collection", help="collection for --bm25 (name, folder, file or irds id)")
    parser.add_argument("--on-bad-input", choices=("fail", "skip"), default="fail")
    parser.add_argument("--index", required=True, help="index folder to write")
    parser.add_argument("--update", action="store_true", help="add --vectors to the existing impact index --index, "
                        "replacing the documents with the same ids (an empty vector deletes its document)")
    parser.add_argument("--threads", type=int, default=2, help="indexing threads")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing index")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--optimize", action="store_true", help="merge the impact index into one segment")
    parser.add_argument("--parts", type=int, default=1, help="index this many groups of shards in parallel (each "
                        "with --threads threads) into separate Lucene indexes, then merge them")
    parser.add_argument("--prune-doc-terms", type=int, default=0, metavar="N",
                        help="static pruning (approximate search): index only each document's N highest impacts "
                             "(java/ plugin; 0 keeps all)")
    parser.add_argument("--term-top-postings", type=int, default=0, metavar="N",
                        help="for approximate search (search --top-postings): also index each term's N "
                             "highest-impact postings and each document's vector (java/ plugin; the index about "
                             "doubles; 0: none)")
    add_engine_option(parser)
    add_jvm_options(parser)


def run(args: argparse.Namespace) -> int:
    from ..indexing.anserini import index_bm25
    from ..indexing.impact import index_impact

    if args.bm25 == bool(args.vectors):
        raise ConfigError("give either --vectors DIR (impact index) or --bm25 --collection C (BM25 index)")
    start_jvm(args)
    if args.update:
        return _update(args)
    if args.bm25:
        if not args.collection:
            raise ConfigError("--bm25 needs --collection")
        from ..collections import BadInput, load_collection

        collection = load_collection(args.collection, BadInput(args.on_bad_input))
        manifest = index_bm25(collection.docs_iter(), args.index, args.threads, not args.quiet, args.overwrite,
                              source=args.collection)
    else:
        manifest = index_impact(args.vectors, args.index, args.threads, not args.quiet, args.overwrite,
                                engine=args.engine, optimize=args.optimize, parts=args.parts,
                                prune_doc_terms=args.prune_doc_terms, term_top_postings=args.term_top_postings)
    print(json.dumps({"index": args.index, "engine": manifest["engine"], **manifest["lucene"],
                      "bytes": manifest["bytes"], "seconds": round(manifest["seconds"], 2)}))
    return 0


def _update(args: argparse.Namespace) -> int:
    from ..indexing.update import update_index

    if args.overwrite or args.parts != 1 or args.optimize or args.engine != "plugin":
        raise ConfigError("--update keeps the index's settings and runs through the java/ plugin: no --overwrite, "
                          "--parts, --optimize or --engine anserini")
    print_update(args.index, update_index(args.index, args.vectors, args.threads, not args.quiet))
    return 0


def print_update(index: str, manifest: dict[str, Any]) -> None:
    """One JSON line: the counters of the update just applied and the index's statistics after it."""
    print(json.dumps({"index": index, **manifest["updates"][-1]["counters"], **manifest["lucene"],
                      "bytes": manifest["bytes"], "updates": len(manifest["updates"])}))
