"""``lsr-lucene verify``: check an index against its manifest and vectors (counts, ids, sampled postings)."""

from __future__ import annotations

import argparse
import json

from .options import add_jvm_options, start_jvm


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("index", help="index folder built by lsr-lucene")
    parser.add_argument("--vectors", help="vectors folder (default: the one recorded in the index manifest)")
    parser.add_argument("--sample", type=int, default=100, help="documents whose postings are compared")
    parser.add_argument("--seed", type=int, default=0)
    add_jvm_options(parser)


def run(args: argparse.Namespace) -> int:
    from ..indexing.verify import verify_index

    start_jvm(args)
    report = verify_index(args.index, args.vectors, args.sample, args.seed)
    print(json.dumps(report.to_dict(), indent=2))
    return 0 if report.ok else 1
