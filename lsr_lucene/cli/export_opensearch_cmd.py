"""``lsr-lucene export-opensearch``: encoded vectors as an OpenSearch ``rank_features`` mapping, bulk and msearch
files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vectors", required=True, help="documents folder written by `lsr-lucene encode`")
    parser.add_argument("--queries", help="queries folder written by `lsr-lucene encode --queries` (optional)")
    parser.add_argument("--output", required=True, help="folder for mapping.json, bulk.ndjson, msearch.ndjson")
    parser.add_argument("--index-name", default="lsr", help="OpenSearch index name")
    parser.add_argument("--field", default="vector", help="rank_features field name")
    parser.add_argument("--k", type=int, default=1000, help="hits per query in msearch.ndjson")


def run(args: argparse.Namespace) -> int:
    from ..export.opensearch import mapping, write_bulk, write_msearch
    from ..io.atomic import atomic_open

    out = Path(args.output)
    with atomic_open(out / "mapping.json") as f:
        f.write(json.dumps(mapping(args.field), indent=2) + "\n")
    summary = {"output": str(out), "documents": write_bulk(args.vectors, out / "bulk.ndjson", args.index_name,
                                                           args.field)}
    if args.queries:
        summary["queries"] = write_msearch(args.queries, out / "msearch.ndjson", args.index_name, args.k, args.field)
    print(json.dumps(summary))
    return 0
