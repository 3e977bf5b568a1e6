"""``lsr-lucene evaluate``: score TREC runs against qrels (``trec_eval -c`` averaging)."""

from __future__ import annotations

import argparse
import json

from ..errors import ConfigError
from ..evaluation.measures import DEFAULT_MEASURES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="+", help="TREC run files")
    parser.add_argument("--collection", help="collection whose qrels to use (with --split)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--qrels", help="qrels file (BEIR TSV or TREC) instead of --collection")
    parser.add_argument("--measures", nargs="+", default=list(DEFAULT_MEASURES),
                        help="ir_measures names")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from ..evaluation.measures import evaluate
    from ..evaluation.report import markdown_table
    from ..io.trec import read_qrels, read_run

    if bool(args.collection) == bool(args.qrels):
        raise ConfigError("give either --collection (with --split) or --qrels")
    if args.qrels:
        qrels = list(read_qrels(args.qrels))
    else:
        from ..collections import load_collection

        qrels = list(load_collection(args.collection).qrels_iter(args.split))
    results = {path: evaluate(read_run(path), qrels, args.measures) for path in args.runs}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(markdown_table({path: {"effectiveness": values} for path, values in results.items()}), end="")
    return 0
