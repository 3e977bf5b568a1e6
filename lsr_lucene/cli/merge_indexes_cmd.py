"""``lsr-lucene merge-indexes``: one impact index from several (built on different machines or from parts of a
corpus), with Lucene's ``addIndexes``."""

from __future__ import annotations

import argparse
import json

from .options import add_jvm_options, start_jvm


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("parts", nargs="+", help="impact index folders built by `lsr-lucene index`, in order")
    parser.add_argument("--index", required=True, help="merged index folder to write")
    parser.add_argument("--optimize", action="store_true", help="merge into one segment")
    add_jvm_options(parser)


def run(args: argparse.Namespace) -> int:
    from ..indexing.parts import merge_index_folders

    start_jvm(args)
    manifest = merge_index_folders(args.parts, args.index, args.optimize)
    print(json.dumps({"index": args.index, "parts": manifest["parts"], **manifest["lucene"],
                      "bytes": manifest["bytes"]}))
    return 0
