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
once, at its best position. Fused ties keep the order in which the documents were first seen: the first run's
order, then the documents only later runs retrieved (a stable sort, which keeps fusion cheap; Anserini has already
ordered each run's own ties by document id).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import operator
from dataclasses import dataclass
from itertools import repeat
from typing import Callable, Iterator, Sequence

from ..errors import ConfigError
from ..registry import Registry
from ..types import Hit, Run

Contributions = Callable[[Sequence[float], float, "FusionConfig"], tuple[Sequence[float], float]]
"""(scores of one run's hits, best first; the run's weight; config) -> (``weight * (value - floor)`` per hit,
``weight * floor``): what each hit adds on top of what every document gets from the run."""

FUSION_METHODS: Registry[Contributions] = Registry("fusion method")


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


def _no_spread(scores: Sequence[float], weight: float) -> tuple[Sequence[float], float]:
    return [weight] * len(scores), 0.0


@FUSION_METHODS.decorator("rrf", aliases=("reciprocal-rank",))
def reciprocal_rank(scores: Sequence[float], weight: float, config: FusionConfig) -> tuple[Sequence[float], float]:
    """``1 / (rrf_k + rank)`` (Cormack et al., SIGIR 2009) with competition ranks: tied scores share the better rank,
    so RRF does not depend on how a searcher happened to order its ties."""
    table = _rrf_values(len(scores), config.rrf_k, weight)
    first = dict(zip(reversed(scores), range(len(scores) - 1, -1, -1)))  # score -> its first (best) position
    if len(first) == len(scores):
        return table, 0.0
    return list(map(table.__getitem__, map(first.__getitem__, scores))), 0.0


@functools.lru_cache(maxsize=64)
def _rrf_values(n: int, k: float, weight: float) -> tuple[float, ...]:
    """``weight / (k + rank)`` for ranks 1..n (computed once: the same few serve every query)."""
    return tuple(weight / (k + rank) for rank in range(1, n + 1))


@FUSION_METHODS.decorator("minmax", aliases=("min-max",))
def min_max(scores: Sequence[float], weight: float, config: FusionConfig) -> tuple[Sequence[float], float]:
    """Scores rescaled to [0, 1]; a run without spread gives its hits 1."""
    low, high = min(scores), max(scores)
    if not high > low:
        return _no_spread(scores, weight)
    factor = weight / (high - low)
    return [(s - low) * factor for s in scores], 0.0


@FUSION_METHODS.decorator("zscore", aliases=("z-score",))
def z_score(scores: Sequence[float], weight: float, config: FusionConfig) -> tuple[Sequence[float], float]:
    """Scores standardised by the run's mean and (population) standard deviation; misses get the lowest value."""
    mean = math.fsum(scores) / len(scores)
    deviations = [s - mean for s in scores]
    std = math.sqrt(math.fsum(map(operator.mul, deviations, deviations)) / len(scores))
    low = min(scores)
    if not std > 0 or max(scores) == low:
        return _no_spread(scores, weight)
    factor = weight / std
    return [(s - low) * factor for s in scores], (low - mean) * factor


@FUSION_METHODS.decorator("raw", aliases=("none", "linear"))
def raw(scores: Sequence[float], weight: float, config: FusionConfig) -> tuple[Sequence[float], float]:
    """Scores as they are (only meaningful when the runs' scores are on one scale); misses get the lowest score."""
    low = min(scores)
    return [(s - low) * weight for s in scores], low * weight


def _columns(hits: Sequence[Hit], depth: int | None) -> tuple[Sequence[str], Sequence[float]]:
    """(doc ids, scores) best first (already sorted input, the usual case, costs one pass), cut to ``depth``."""
    ids, scores = zip(*hits)
    if not all(map(math.isfinite, scores)):
        bad = next(i for i, s in enumerate(scores) if not math.isfinite(s))
        raise ConfigError(f"fusion input: document {ids[bad]!r} has score {scores[bad]}; scores must be finite")
    if not all(map(operator.ge, scores, scores[1:])):
        order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)  # stable: ties keep their order
        ids, scores = tuple(ids[i] for i in order), tuple(scores[i] for i in order)
    return (ids[:depth], scores[:depth]) if depth is not None else (ids, scores)


def contributions(hits: Sequence[Hit], weight: float, config: FusionConfig) -> tuple[dict[str, float], float]:
    """What one run adds to the fused score: ``{doc_id: weight * (value - floor)}`` for the documents it retrieved
    (a document listed twice counts once, at its best position; best first) and ``weight * floor``, which every
    document gets from it."""
    ids, scores = _columns(hits, config.depth)
    values, floor = FUSION_METHODS.get(config.method)(scores, weight, config)
    per_doc = dict(zip(ids, values))
    if len(per_doc) != len(ids):
        per_doc = {}
        for doc_id, value in zip(ids, values):
            per_doc.setdefault(doc_id, value)
    return per_doc, floor


def fuse_hits(hit_lists: Sequence[Sequence[Hit]], config: FusionConfig = FusionConfig()) -> list[Hit]:
    """Fuse one query's hit lists (one per run, best first) into the top ``config.k`` hits."""
    weights = config.weights_for(len(hit_lists))
    fused: dict[str, float] | None = None
    base = 0.0
    for hits, weight in zip(hit_lists, weights):
        if not hits or weight == 0:
            continue
        per_doc, floor = contributions(hits, weight, config)
        base += floor
        if fused is None:
            fused = per_doc
            continue
        get = fused.get
        for doc_id, value in per_doc.items():
            fused[doc_id] = get(doc_id, 0.0) + value
    if not fused:
        return []
    return _ranked(fused, base, config.k)


def _ranked(fused: dict[str, float], base: float, k: int) -> list[Hit]:
    """The top ``k`` of ``{doc_id: score}`` as hits with ``base`` added, best first; the sort is stable, so ties
    keep their first-seen order (earlier runs first, then by position)."""
    ranked = sorted(fused, key=fused.__getitem__, reverse=True)[:k]
    scores = map(operator.add, repeat(base), map(fused.__getitem__, ranked))
    return list(map(_new_hit, repeat(Hit), zip(ranked, scores)))


_new_hit = tuple.__new__
"""``tuple.__new__(Hit, (doc_id, score))`` builds the same Hit as ``Hit(doc_id, score)``, without a Python call."""


def fuse(runs: Sequence[Run], config: FusionConfig = FusionConfig()) -> Run:
    """Fuse whole runs query by query. Every query of any run is kept (a run without it counts as empty), in order
    of first appearance."""
    config.weights_for(len(runs))
    if not runs:
        raise ConfigError("fusion needs at least one run")
    qids = list(dict.fromkeys(qid for run in runs for qid in run))
    with paused_gc():
        return {qid: fuse_hits([run.get(qid, ()) for run in runs], config) for qid in qids}


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cycle collector while fusing whole runs: fusion makes hundreds of thousands of small objects
    and no reference cycles, and each collection would rescan every hit of the (large) input runs."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
