"""The fusions of ``lsr-lucene run --hybrid``: each learned sparse model with each hybrid system and with all of
them, plus BM25 + dense when both are asked for.

With held-out queries, every fusion method (``rrf``, ``minmax``, ``zscore``, ``raw``) is tuned on them over the
weight simplex (step 0.1) and the method scoring best there is kept (the earlier method on ties). Without them,
the fixed default is RRF with equal weights (k=60), which needs no score calibration.
"""

from __future__ import annotations

import time
from typing import Sequence

from ..search.fusion import FusionConfig, fuse
from .stages import Context, SystemRun, per_query_ms, save_run

METHODS = ("rrf", "minmax", "zscore", "raw")
GRID_STEP = 0.1


def combinations(sparse: Sequence[str], hybrid: Sequence[str]) -> list[tuple[str, ...]]:
    """The system tuples fused: (model, system) for each hybrid system, (model, *hybrid) when there are two, and
    (bm25, dense) when both are hybrid systems."""
    combos: list[tuple[str, ...]] = []
    for name in sparse:
        combos += [(name, system) for system in hybrid]
        if len(hybrid) > 1:
            combos.append((name, *hybrid))
    if {"bm25", "dense"} <= set(hybrid):
        combos.append(("bm25", "dense"))
    return list(dict.fromkeys(combos))


def choose(ctx: Context, inputs: Sequence[SystemRun]) -> tuple[FusionConfig, dict[str, object]]:
    """The fusion config for ``inputs`` and how it was chosen (for the report)."""
    from ..search.tuning import tune_weights, weight_grid

    k = ctx.config.k
    if "heldout" not in ctx.queries:
        return FusionConfig("rrf", k=k), {"source": "fixed default (no held-out queries)"}
    runs = [system.runs["heldout"] for system in inputs]
    results = [tune_weights(runs, ctx.qrels["heldout"], FusionConfig(method, k=k),
                            weight_grid(len(inputs), GRID_STEP)) for method in METHODS]
    best = max(range(len(results)), key=lambda i: (round(results[i].score, 10), -i))
    return results[best].config, {"source": "tuned on the held-out queries", "heldout_nDCG@10": results[best].score,
                                  "methods_heldout_nDCG@10": {m: r.score for m, r in zip(METHODS, results)}}


def fusion_stage(ctx: Context, inputs: Sequence[SystemRun]) -> SystemRun:
    """Fuse ``inputs`` with the config ``choose`` picks; latency is the inputs' plus the fusion's own."""
    config, how = choose(ctx, inputs)
    name = "+".join(system.name for system in inputs)
    runs, seconds = {}, 0.0
    for split in ctx.queries:
        started = time.perf_counter()
        run = fuse([system.runs[split] for system in inputs], config)
        took = time.perf_counter() - started
        runs[split] = save_run(ctx, split, name, run)
        if split == ctx.config.split:
            seconds = took
    n_queries = len(ctx.queries[ctx.config.split])
    return SystemRun(name, " + ".join(system.label for system in inputs), "fusion", runs,
                     sum(system.seconds for system in inputs) + seconds,
                     {"fusion_ms_per_query": per_query_ms(seconds, n_queries)},
                     {"inputs": [system.name for system in inputs], "method": config.method,
                      "weights": list(config.weights_for(len(inputs))), "rrf_k": config.rrf_k, **how})
