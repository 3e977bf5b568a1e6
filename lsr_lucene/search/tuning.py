"""Choose fusion weights on held-out queries (training qrels, synthetic genq queries or a dev split): never on the
queries a result is reported for.

The grid is the simplex of weights summing to 1 in steps of ``step``; the best weights maximise the mean of one
measure over the tuning queries, ties going to the weights closest to uniform (then to the earlier grid point).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Sequence

from ..errors import ConfigError
from ..types import Qrel, Query, Run
from .fusion import FusionConfig, FusionTable


@dataclass(frozen=True)
class TuningResult:
    """The chosen config, its score on the tuning queries, and every (weights, score) tried."""

    config: FusionConfig
    measure: str
    score: float
    trials: tuple[tuple[tuple[float, ...], float], ...]


def weight_grid(n_runs: int, step: float = 0.1, interior: bool = False) -> list[tuple[float, ...]]:
    """Weights on the simplex (non-negative, summing to 1) in multiples of ``step``; ``interior`` drops points
    where a run gets weight 0 (so every run takes part)."""
    if n_runs < 1:
        raise ConfigError("the weight grid needs at least one run")
    parts = round(1 / step)
    if parts < 1 or abs(parts * step - 1) > 1e-9:
        raise ConfigError(f"grid step {step} must divide 1 (like 0.1, 0.05, 0.25)")

    def compositions(total: int, slots: int) -> list[tuple[int, ...]]:
        if slots == 1:
            return [(total,)]
        return [(first, *rest) for first in range(total, -1, -1) for rest in compositions(total - first, slots - 1)]

    grid = [tuple(round(c / parts, 10) for c in combo) for combo in compositions(parts, n_runs)]
    return [w for w in grid if all(w)] if interior else grid


def _cutoff(measure: str) -> int | None:
    """N of a measure that only looks at the top N documents (``nDCG@10``, ``RR@10``, ``R@100``), else None."""
    import ir_measures

    try:
        cutoff = ir_measures.parse_measure(measure).params.get("cutoff")
    except (ValueError, NameError, TypeError):
        raise ConfigError(f"unknown measure {measure!r}") from None
    return int(cutoff) if cutoff else None


def tune_weights(runs: Sequence[Run], qrels: Sequence[Qrel], base: FusionConfig = FusionConfig(),
                 grid: Sequence[tuple[float, ...]] | None = None, measure: str = "nDCG@10") -> TuningResult:
    """The weights from ``grid`` (default: ``weight_grid(len(runs))``) whose fusion of ``runs`` scores best on
    ``qrels`` with ``base``'s method, k, depth and rrf_k.

    Each run's normalised contributions are computed once (a ``FusionTable``); a grid point then costs a matrix
    product, and a measure with a cutoff (``nDCG@10``) is evaluated on the top of each fused list only (plus the
    documents tied with the last of it, so the measure is what it would be on the whole list).
    """
    from ..evaluation.measures import evaluate

    if not qrels:
        raise ConfigError("tuning needs judged queries; got no qrels")
    grid = list(grid) if grid is not None else weight_grid(len(runs))
    if not grid:
        raise ConfigError("the weight grid is empty")
    for weights in grid:
        FusionConfig(base.method, tuple(weights), base.k, base.depth, base.rrf_k).weights_for(len(runs))
    depth = min(base.k, _cutoff(measure) or base.k)
    trials = []
    table = FusionTable(runs, base)
    for weights in grid:
        ranked = table.ranked(weights, depth, with_ties=True).to_run()
        value = next(iter(evaluate(ranked, qrels, [measure]).values()))
        trials.append((tuple(weights), value))

    def spread(weights: tuple[float, ...]) -> float:
        mean = sum(weights) / len(weights)
        return sum((w - mean) ** 2 for w in weights)

    best = max(range(len(trials)), key=lambda i: (round(trials[i][1], 10), -spread(trials[i][0]), -i))
    weights, score = trials[best]
    return TuningResult(FusionConfig(base.method, weights, base.k, base.depth, base.rrf_k), measure, score,
                        tuple(trials))


def heldout_queries(queries_file: str | os.PathLike, qrels_file: str | os.PathLike, sample: int | None = None,
                    seed: int = 0, exclude: Sequence[str] = ()) -> tuple[list[Query], list[Qrel]]:
    """Judged queries for tuning from a queries file and its qrels (a train split, genq pairs, a dev split), with
    an optional seeded sample of ``sample`` queries; query ids in ``exclude`` (the test queries) are refused, so
    tuning cannot see a reported query."""
    import random

    from ..collections.files import read_queries
    from ..io.trec import read_qrels

    qrels = list(read_qrels(qrels_file))
    judged = {q.query_id for q in qrels}
    overlap = judged & set(exclude)
    if overlap:
        raise ConfigError(f"{qrels_file}: {len(overlap)} tuning queries are also test queries "
                          f"(e.g. {sorted(overlap)[:3]}); tune on held-out queries only")
    queries = [q for q in read_queries(queries_file) if q.id in judged]
    if sample is not None and sample < len(queries):
        queries = sorted(random.Random(seed).sample(queries, sample), key=lambda q: q.id)
    kept = {q.id for q in queries}
    return queries, [q for q in qrels if q.query_id in kept]
