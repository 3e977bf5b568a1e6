"""Fusion of ranked runs: reciprocal rank fusion and weighted linear interpolation of normalised scores.

Pure functions over any number of runs (learned sparse, BM25, dense, ...). Each method turns one run's hit list
into per-hit *values* plus a *floor*, the value a document gets from a run that did not retrieve it; the fused score
of a document is ``sum_i w_i * (value_i(d) if run i retrieved d else floor_i)``.

========  ===============================================  ==========================================
method    value of a hit                                   floor (document missing from the run)
========  ===============================================  ==========================================
rrf       ``1 / (rrf_k + rank)``; tied scores share a rank  0
minmax    ``(s - min) / (max - min)``                      0 (the run's lowest hit)
zscore    ``(s - mean) / std``                             the run's lowest value
raw       ``s``                                            the run's lowest score
========  ===============================================  ==========================================

Edge cases are defined rather than left to arithmetic: an empty run contributes nothing; a run whose scores do not
spread (one hit, or all scores equal) cannot be rescaled by ``minmax`` or ``zscore`` (Pyserini's ``HybridSearcher``
divides by zero there), so each of its hits counts 1 and each miss 0; a document listed twice in one run counts
once, at its best position. Fused ties are broken by document id (ascending), so the output does not depend on the
order of the input runs or of tied hits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

from ..errors import ConfigError
from ..registry import Registry
from ..types import Hit, Run

Normaliser = Callable[[Sequence[float], "FusionConfig"], tuple[list[float], float]]
"""Scores of one run's hits (best first) -> (value per hit, floor for documents the run missed)."""

FUSION_METHODS: Registry[Normaliser] = Registry("fusion method")


@dataclass(frozen=True)
class FusionConfig:
    """How to fuse: the method, one weight per run (``None``: 1 each), hits kept per query (``k``), hits of each
    input run considered (``depth``, ``None``: all) and RRF's rank constant."""

    method: str = "rrf"
    weights: tuple[float, ...] | None = None
    k: int = 1000
    depth: int | None = None
    rrf_k: float = 60.0

    def __post_init__(self) -> None:
        FUSION_METHODS.canonical(self.method)  # UnknownNameError listing the methods
        if self.k < 1:
            raise ConfigError(f"fusion k must be >= 1, got {self.k}")
        if self.depth is not None and self.depth < 1:
            raise ConfigError(f"fusion depth must be >= 1, got {self.depth}")
        if not (math.isfinite(self.rrf_k) and self.rrf_k >= 0):
            raise ConfigError(f"rrf_k must be a finite number >= 0, got {self.rrf_k}")
        if self.weights is not None:
            weights = tuple(float(w) for w in self.weights)
            bad = [w for w in weights if not (math.isfinite(w) and w >= 0)]
            if bad:
                raise ConfigError(f"fusion weights must be finite and >= 0, got {bad[0]} in {list(weights)}")
            if not any(weights):
                raise ConfigError(f"fusion weights are all 0: {list(weights)}")
            object.__setattr__(self, "weights", weights)

    def weights_for(self, n_runs: int) -> tuple[float, ...]:
        """The weight of each of ``n_runs`` runs; ConfigError when the counts differ."""
        if self.weights is None:
            return (1.0,) * n_runs
        if len(self.weights) != n_runs:
            raise ConfigError(f"{len(self.weights)} fusion weights {list(self.weights)} for {n_runs} runs; "
                              "give one weight per run")
        return self.weights


def _no_spread(scores: Sequence[float]) -> tuple[list[float], float]:
    return [1.0] * len(scores), 0.0


@FUSION_METHODS.decorator("rrf", aliases=("reciprocal-rank",))
def reciprocal_rank(scores: Sequence[float], config: FusionConfig) -> tuple[list[float], float]:
    """``1 / (rrf_k + rank)`` (Cormack et al., SIGIR 2009) with competition ranks: tied scores share the better rank,
    so RRF does not depend on how a searcher happened to order its ties."""
    values, rank, previous = [], 0, None
    for position, score in enumerate(scores, start=1):
        if score != previous:
            rank, previous = position, score
        values.append(1.0 / (config.rrf_k + rank))
    return values, 0.0


@FUSION_METHODS.decorator("minmax", aliases=("min-max",))
def min_max(scores: Sequence[float], config: FusionConfig) -> tuple[list[float], float]:
    """Scores rescaled to [0, 1]; a run without spread gives its hits 1."""
    if not scores:
        return [], 0.0
    low, high = min(scores), max(scores)
    if not high > low:
        return _no_spread(scores)
    scale = 1.0 / (high - low)
    return [(s - low) * scale for s in scores], 0.0


@FUSION_METHODS.decorator("zscore", aliases=("z-score",))
def z_score(scores: Sequence[float], config: FusionConfig) -> tuple[list[float], float]:
    """Scores standardised by the run's mean and (population) standard deviation; misses get the lowest value."""
    if not scores:
        return [], 0.0
    mean = math.fsum(scores) / len(scores)
    std = math.sqrt(math.fsum((s - mean) ** 2 for s in scores) / len(scores))
    if not std > 0:
        return _no_spread(scores)
    values = [(s - mean) / std for s in scores]
    return values, min(values)


@FUSION_METHODS.decorator("raw", aliases=("none", "linear"))
def raw(scores: Sequence[float], config: FusionConfig) -> tuple[list[float], float]:
    """Scores as they are (only meaningful when the runs' scores are on one scale); misses get the lowest score."""
    if not scores:
        return [], 0.0
    return list(scores), min(scores)


def _ordered(hits: Sequence[Hit], depth: int | None) -> Sequence[Hit]:
    """Hits best first (stable: already sorted input, the usual case, costs one pass), cut to ``depth``."""
    if any(a.score < b.score for a, b in zip(hits, hits[1:])):
        hits = sorted(hits, key=lambda h: -h.score)
    return hits[:depth] if depth is not None else hits


def fuse_hits(hit_lists: Sequence[Sequence[Hit]], config: FusionConfig = FusionConfig()) -> list[Hit]:
    """Fuse one query's hit lists (one per run, best first) into the top ``config.k`` hits."""
    normalise = FUSION_METHODS.get(config.method)
    weights = config.weights_for(len(hit_lists))
    fused: dict[str, float] = {}
    base = 0.0
    for hits, weight in zip(hit_lists, weights):
        if not hits or weight == 0:
            continue
        hits = _ordered(hits, config.depth)
        values, floor = normalise([h.score for h in hits], config)
        base += weight * floor
        # reversed: when a document is listed twice, its best (first) entry is the one that stays
        per_doc = dict(zip(reversed([h.doc_id for h in hits]), reversed(values)))
        for doc_id, value in per_doc.items():
            fused[doc_id] = fused.get(doc_id, 0.0) + weight * (value - floor)
    ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:config.k]
    return [Hit(doc_id, base + score) for doc_id, score in ranked]


def fuse(runs: Sequence[Run], config: FusionConfig = FusionConfig()) -> Run:
    """Fuse whole runs query by query. Every query of any run is kept (a run without it counts as empty), in order
    of first appearance."""
    config.weights_for(len(runs))
    if not runs:
        raise ConfigError("fusion needs at least one run")
    qids = list(dict.fromkeys(qid for run in runs for qid in run))
    return {qid: fuse_hits([run.get(qid, ()) for run in runs], config) for qid in qids}
