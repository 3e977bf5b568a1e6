"""``lsr-lucene fuse``: fuse TREC run files; weights given, or tuned on held-out runs and qrels (never test ones)."""

from __future__ import annotations

import argparse
import json

from ..errors import ConfigError


def add_fusion_options(parser: argparse.ArgumentParser) -> None:
    """Fusion options shared with ``search --hybrid``."""
    group = parser.add_argument_group("fusion")
    group.add_argument("--fusion", default="rrf", help="rrf, minmax, zscore or raw (see lsr_lucene/search/fusion.py)")
    group.add_argument("--weights", default=None, help="comma-separated weight per run, in run order (default: 1 each)")
    group.add_argument("--rrf-k", type=float, default=60.0, help="RRF rank constant")
    group.add_argument("--depth", type=int, default=None, help="hits of each input run considered (default: all)")


def parse_weights(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    try:
        return tuple(float(w) for w in text.split(","))
    except ValueError:
        raise ConfigError(f"--weights {text!r}: expected comma-separated numbers like 0.3,0.7") from None


def fusion_config(args: argparse.Namespace, k: int) -> "object":
    from ..search.fusion import FusionConfig

    return FusionConfig(args.fusion, parse_weights(args.weights), k, args.depth, args.rrf_k)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="+", help="TREC run files to fuse")
    parser.add_argument("--output", required=True, help="fused TREC run file to write")
    parser.add_argument("--k", type=int, default=1000, help="hits per query in the fused run")
    add_fusion_options(parser)
    tune = parser.add_argument_group("weight tuning (held-out queries only)")
    tune.add_argument("--tune-runs", nargs="+", default=None,
                      help="runs of the same systems on held-out queries, in the same order as RUNS")
    tune.add_argument("--tune-qrels", help="qrels of the held-out queries (BEIR TSV or TREC), e.g. a train split")
    tune.add_argument("--measure", default="nDCG@10", help="measure maximised by tuning")
    tune.add_argument("--step", type=float, default=0.1, help="weight grid step (weights sum to 1)")


def run(args: argparse.Namespace) -> int:
    from ..io.trec import read_qrels, read_run, write_run
    from ..search.fusion import FusionConfig, fuse

    config: FusionConfig = fusion_config(args, args.k)  # type: ignore[assignment]
    runs = [read_run(path) for path in args.runs]
    tuned = None
    if args.tune_runs or args.tune_qrels:
        if not (args.tune_runs and args.tune_qrels):
            raise ConfigError("tuning needs both --tune-runs and --tune-qrels")
        if args.weights:
            raise ConfigError("give either --weights or --tune-runs/--tune-qrels, not both")
        if len(args.tune_runs) != len(args.runs):
            raise ConfigError(f"{len(args.tune_runs)} --tune-runs for {len(args.runs)} runs; give one per run")
        from ..search.tuning import tune_weights, weight_grid

        tuned = tune_weights([read_run(p) for p in args.tune_runs], list(read_qrels(args.tune_qrels)), config,
                             weight_grid(len(runs), args.step), args.measure)
        config = tuned.config
    fused = fuse(runs, config)
    write_run(args.output, fused, tag=f"fusion-{config.method}")
    report = {"output": args.output, "queries": len(fused), "fusion": config.method,
              "weights": list(config.weights_for(len(runs)))}
    if tuned is not None:
        report["tuned"] = {"measure": tuned.measure, "score": round(tuned.score, 4), "trials": len(tuned.trials)}
    print(json.dumps(report))
    return 0
