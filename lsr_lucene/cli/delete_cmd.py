"""``lsr-lucene delete``: delete documents by id from an impact index (the manifest records the deletion)."""

from __future__ import annotations

import argparse

from .index_cmd import print_update
from .options import add_jvm_options, start_jvm


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", required=True, help="impact index folder built by `lsr-lucene index`")
    parser.add_argument("--ids", required=True, help="file of document ids to delete, one per line")
    add_jvm_options(parser)


def run(args: argparse.Namespace) -> int:
    from ..indexing.update import delete_documents

    start_jvm(args)
    print_update(args.index, delete_documents(args.index, args.ids))
    return 0
