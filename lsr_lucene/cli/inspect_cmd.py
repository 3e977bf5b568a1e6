"""``lsr-lucene inspect``: one document's (or query's) impact vector from a vectors folder, largest impacts first."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vectors", required=True, help="vectors folder written by `lsr-lucene encode` (documents "
                                                         "or --queries), or a folder of JSONL vector files")
    parser.add_argument("--id", required=True, help="document (or query) id")
    parser.add_argument("--top", type=int, default=None, help="show only the largest impacts (default: all)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from ..io.vectors import find_vector

    vector = find_vector(args.vectors, args.id)
    terms = sorted(vector.items(), key=lambda t: (-t[1], t[0]))[:args.top]
    if args.json:
        print(json.dumps({"id": args.id, "terms": len(vector), "impact_sum": sum(vector.values()),
                          "vector": dict(terms)}))
        return 0
    print(f"{args.id}: {len(vector)} terms, impacts summing to {sum(vector.values())}")
    for term, impact in terms:
        print(f"  {term:<24} {impact:>6}")
    return 0
