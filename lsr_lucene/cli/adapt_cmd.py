"""``lsr-lucene adapt``: adapt a sparse encoder to a collection from its corpus alone (pseudo-queries, and a query
log when given), distilled from BM25 + dense + the starting model; resumable like ``train``."""

from __future__ import annotations

import argparse
import json

from .options import add_device_option
from .train_cmd import _override


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..training.adapt import STRATEGIES

    parser.add_argument("--collection", required=True, help="short name (scifact, cranfield, ...) or BEIR folder: "
                        "its corpus (judgments are never read)")
    parser.add_argument("--output", required=True, help="output folder; the adapted model is <output>/model")
    parser.add_argument("--model", default="splade-tiny", help="starting SPLADE model (registered name or folder)")
    parser.add_argument("--kind", choices=("splade", "inference_free"), default="splade",
                        help="splade: Siamese; inference_free: SPLADE-doc, queries weigh each token by its IDF")
    parser.add_argument("--queries", default=None, help="a query log without judgments (JSONL with _id/text, or "
                        "TSV id<TAB>text), used besides the pseudo-queries")
    parser.add_argument("--strategies", nargs="*", default=list(STRATEGIES), metavar="STRATEGY",
                        help="pseudo-query strategies: title, sentence, keyphrase, span, passage; append :others to "
                        "leave the query's own document out of its candidates (none: only --queries)")
    parser.add_argument("--queries-per-strategy", type=int, default=2000,
                        help="pseudo-queries per strategy (sampled from a large corpus, several per document from a "
                        "small one)")
    parser.add_argument("--steps", type=int, default=300, help="training steps (16 queries each)")
    parser.add_argument("--max-minutes", type=float, default=None, help="stop cleanly (at a checkpoint) after this "
                        "much wall time; rerun to resume")
    parser.add_argument("--set", dest="overrides", action="append", type=_override, default=[], metavar="KEY=VALUE",
                        help="override a value of the training config, e.g. --set optim.lr=2e-5 (JSON values)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_device_option(parser, what="the student and the teachers")


def run(args: argparse.Namespace) -> int:
    from ..training.adapt import adapt

    strategies = [] if args.strategies == ["none"] else args.strategies
    summary = adapt(args.collection, args.output, args.model, args.kind, args.queries, tuple(strategies),
                    args.queries_per_strategy, args.steps, args.max_minutes, dict(args.overrides),
                    progress=not args.quiet, device=args.device)
    print(json.dumps({k: summary[k] for k in ("name", "steps_done", "complete", "selected_step", "model")}
                     | {"selected_dev": summary["selected_dev"], "timings": summary["timings"]}))
    return 0
