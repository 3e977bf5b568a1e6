#!/usr/bin/env python3
"""The query-log protocol of ``lsr-lucene adapt``: queries used in adaptation are never scored.

The test queries of a collection are split in two halves by a seeded hash of their ids (``half_of``). One half's
text (no judgments) is the query log the model adapts on; the report scores the other half only, every system of a
``lsr-lucene run`` report (BM25, dense, SPLADE-tiny, the adapted model, the fusions) on that same half:

    python scripts/adapt_report.py log cacm A outputs/cacm-log-A.jsonl
    lsr-lucene adapt --collection cacm --queries outputs/cacm-log-A.jsonl --output outputs/adapt/cacm-log
    lsr-lucene run --collection cacm --model splade-tiny --model outputs/adapt/cacm-log/model --hybrid dense,bm25 \\
        --output outputs/eval/cacm-log
    python scripts/adapt_report.py score outputs/eval/cacm-log/report.json B

``score`` averages each run's per-query nDCG@10 of ``report.json`` over the half's queries.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HALF_SEED = 21


def half_of(query_id: str) -> str:
    """``A`` or ``B``: the query's half, by a seeded hash of its id (``training.data.is_dev``)."""
    from lsr_lucene.training.data import is_dev

    return "A" if is_dev(query_id, 0.5, HALF_SEED) else "B"


def write_log(collection_name: str, half: str, path: str) -> int:
    """Write the text of the test queries of ``half`` (ids and text only) as JSONL; how many."""
    from lsr_lucene.collections import BadInput, load_collection
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.io.atomic import write_text

    queries, _ = judged_queries(load_collection(collection_name, BadInput("skip")), "test")
    chosen = [q for q in queries if half_of(q.id) == half]
    write_text(Path(path), "".join(json.dumps({"_id": q.id, "text": q.text}) + "\n" for q in chosen))
    return len(chosen)


def score_half(report: dict, half: str) -> dict[str, float]:
    """Run name -> mean nDCG@10 over the judged queries of ``half`` (from the report's per-query values)."""
    out = {}
    for name, run in report["runs"].items():
        values = [v for qid, v in run["per_query_ndcg10"].items() if half_of(qid) == half]
        out[name] = sum(values) / len(values) if values else float("nan")
    return out


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    log = commands.add_parser("log", help="write one half's test query text (a query log without judgments)")
    log.add_argument("collection")
    log.add_argument("half", choices=("A", "B"))
    log.add_argument("file")
    score = commands.add_parser("score", help="nDCG@10 of every run of a lsr-lucene run report on one half")
    score.add_argument("report", help="report.json of lsr-lucene run")
    score.add_argument("half", choices=("A", "B"))
    args = parser.parse_args()
    if args.command == "log":
        print(f"{write_log(args.collection, args.half, args.file)} queries of half {args.half} in {args.file}")
        return 0
    report = json.loads(Path(args.report).read_text(encoding="utf-8"))
    print(f"| run (half {args.half}) | nDCG@10 |\n|---|---|")
    for name, value in score_half(report, args.half).items():
        print(f"| {name} | {value:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(cli())
