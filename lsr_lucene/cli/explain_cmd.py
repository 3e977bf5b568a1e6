"""``lsr-lucene explain``: why the top hits of a text query (or one given document) score what they do on an impact
index: each shared term's query x document impact (summing to the score), expansion terms marked, and the
document's own top terms."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from .options import add_device_option, add_engine_option, add_jvm_options, start_jvm

if TYPE_CHECKING:
    from ..search.explain import Explanation

EXPANSION_MARK = "*"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", required=True, help="impact index folder built by `lsr-lucene index`")
    parser.add_argument("--query", required=True, help="query text (encoded as the index's documents were)")
    parser.add_argument("--doc", default=None, help="explain this document, wherever it ranks, instead of the top "
                                                    "hits")
    parser.add_argument("--k", type=int, default=None,
                        help="top hits explained (default 5); with --doc, the depth within which its rank is "
                             "reported (default 1000)")
    parser.add_argument("--top-terms", type=int, default=10, help="the document's largest impacts shown")
    parser.add_argument("--query-max-length", type=int, default=None,
                        help="tokens per query (default: the index's max length)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_device_option(parser, what="the query encoder")
    add_engine_option(parser)
    add_jvm_options(parser)


def run(args: argparse.Namespace) -> int:
    from ..search.splade import ImpactSearcher

    k = args.k or (1000 if args.doc else 5)
    start_jvm(args)
    with ImpactSearcher(args.index, query_max_length=args.query_max_length, engine=args.engine,
                        device=args.device) as searcher:
        vector = searcher.vectors([args.query])[0]
        explanations = searcher.explain(args.query, args.doc, k, args.top_terms)
    if args.json:
        print(json.dumps({"query": args.query, "query_vector": vector,
                          "hits": [e.to_dict() for e in explanations]}))
    else:
        print(table(args.query, vector, explanations, k))
    return 0


def table(query: str, vector: dict[str, int], explanations: list["Explanation"], k: int) -> str:
    """The explanations as readable text; expansion terms carry ``EXPANSION_MARK``."""
    expanded = {m.term for e in explanations for m in e.matches if m.expansion}
    lines = [f"query: {query}", f"query vector: {len(vector)} terms ({EXPANSION_MARK} marks an expansion term, "
                                "one the query text does not hold)"]
    for e in explanations:
        where = f"#{e.rank}" if e.rank is not None else f"(not in the top {k})"
        engine_score = f" (the engine's: {e.score:g})" if e.score is not None and e.score != e.total else ""
        lines += ["", f"{where} {e.doc_id}: score {e.total}{engine_score} from {len(e.matches)} matching terms",
                  f"  {'term':<24} {'query':>6} {'doc':>6} {'query x doc':>12}"]
        lines += [f"  {m.term + (EXPANSION_MARK if m.term in expanded else ''):<24} {m.query_impact:>6} "
                  f"{m.doc_impact:>6} {m.contribution:>12}" for m in e.matches]
        if e.top_terms:
            lines.append("  document's top terms: " + ", ".join(f"{t} {i}" for t, i in e.top_terms))
    return "\n".join(lines)
