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
order, then the documents only later runs retrieved (Anserini has already ordered each run's own ties by document
id).

Whole runs are fused as columns (numpy arrays over every hit of every query), not query by query in Python, and on
document numbers, not strings: each run numbers its documents in a ``DocTable`` (the java/ plugin's Lucene doc ids,
faiss rows), translated into the largest run's table once per pair of indexes. The per-hit work is a few vectorised
passes and two compiled loops (``fusion_kernels``), which is what keeps fusion a small share of the search time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import chain
from typing import Callable, Sequence

import numpy as np

from ..errors import ConfigError
from ..registry import Registry
from ..types import DocTable, Hit, Run, RunColumns

Normalizer = Callable[[np.ndarray, np.ndarray, np.ndarray, "FusionConfig"], tuple[np.ndarray, np.ndarray]]
"""(one run's scores, best first within each query; each query's start and hit count; config) -> (``value -
floor`` per hit, ``floor`` per query), for weight 1."""

FUSION_METHODS: Registry[Normalizer] = Registry("fusion method")


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


def _flat_as_presence(counts: np.ndarray, values: np.ndarray, floors: np.ndarray,
            flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a query's scores do not spread (``flat``), each hit counts 1 and each miss 0."""
    if flat.any():
        values[np.repeat(flat, counts)] = 1.0
        floors[flat] = 0.0
    return values, floors


@FUSION_METHODS.decorator("rrf", aliases=("reciprocal-rank",))
def reciprocal_rank(scores: np.ndarray, starts: np.ndarray, counts: np.ndarray,
                    config: FusionConfig) -> tuple[np.ndarray, np.ndarray]:
    """``1 / (rrf_k + rank)`` (Cormack et al., SIGIR 2009) with competition ranks: tied scores share the better rank,
    so RRF does not depend on how a searcher happened to order its ties."""
    position = np.arange(len(scores))
    new = np.ones(len(scores), dtype=bool)
    new[1:] = scores[1:] != scores[:-1]
    new[starts] = True
    first = np.maximum.accumulate(np.where(new, position, 0))  # the first position of each hit's score
    rank = first - np.repeat(starts, counts) + 1
    return 1.0 / (config.rrf_k + rank), np.zeros(len(starts))


@FUSION_METHODS.decorator("minmax", aliases=("min-max",))
def min_max(scores: np.ndarray, starts: np.ndarray, counts: np.ndarray,
            config: FusionConfig) -> tuple[np.ndarray, np.ndarray]:
    """Scores rescaled to [0, 1]; a run without spread gives its hits 1."""
    high, low = scores[starts], scores[starts + counts - 1]
    flat = ~(high > low)
    span = np.where(flat, 1.0, high - low)
    values = (scores - np.repeat(low, counts)) / np.repeat(span, counts)
    return _flat_as_presence(counts, values, np.zeros(len(starts)), flat)


@FUSION_METHODS.decorator("zscore", aliases=("z-score",))
def z_score(scores: np.ndarray, starts: np.ndarray, counts: np.ndarray,
            config: FusionConfig) -> tuple[np.ndarray, np.ndarray]:
    """Scores standardised by the run's mean and (population) standard deviation; misses get the lowest value."""
    high, low = scores[starts], scores[starts + counts - 1]
    mean = np.add.reduceat(scores, starts) / counts
    deviation = scores - np.repeat(mean, counts)
    std = np.sqrt(np.add.reduceat(deviation * deviation, starts) / counts)
    flat = ~(std > 0) | (high == low)
    std = np.where(flat, 1.0, std)
    values = (scores - np.repeat(low, counts)) / np.repeat(std, counts)
    return _flat_as_presence(counts, values, (low - mean) / std, flat)


@FUSION_METHODS.decorator("raw", aliases=("none", "linear"))
def raw(scores: np.ndarray, starts: np.ndarray, counts: np.ndarray,
        config: FusionConfig) -> tuple[np.ndarray, np.ndarray]:
    """Scores as they are (only meaningful when the runs' scores are on one scale); misses get the lowest score."""
    low = scores[starts + counts - 1]
    return scores - np.repeat(low, counts), low


def as_columns(run: Run | RunColumns, qids: Sequence[str]) -> RunColumns:
    """``run`` as columns: a Run over ``qids`` (a query it lacks has no hits); columns as they are."""
    if isinstance(run, RunColumns):
        return run
    lists = [run.get(qid) or () for qid in qids]
    flat = list(chain.from_iterable(chain.from_iterable(lists)))  # id, score, id, score, ...
    table, docs = DocTable.numbering(flat[0::2])
    return RunColumns(list(qids), np.fromiter(map(len, lists), dtype=np.int64, count=len(lists)), docs,
                      np.array(flat[1::2], dtype=np.float64), table)


def _validated_sorted_cut(run: RunColumns, depth: int | None) -> RunColumns:
    """``run`` with finite scores (else ConfigError naming the query and document), best first within each query
    (sorted input, the usual case, costs one vectorised check; ties keep their order) and cut to ``depth``."""
    counts, docs, scores = run.counts, run.docs, np.asarray(run.scores, dtype=np.float64)
    if len(docs) != len(scores) or int(counts.sum()) != len(docs):
        raise ConfigError(f"fusion input: {len(docs)} documents and {len(scores)} scores for {int(counts.sum())} "
                          "hits")
    query = np.repeat(np.arange(len(counts)), counts)
    finite = np.isfinite(scores)
    if not finite.all():
        bad = int(np.argmin(finite))
        raise ConfigError(f"fusion input: query {run.qids[query[bad]]!r}, document {run.table.ids[docs[bad]]!r} "
                          f"has score {scores[bad]}; scores must be finite")
    if np.any((scores[1:] > scores[:-1]) & (query[1:] == query[:-1])):
        order = np.lexsort((-scores, query))  # stable: ties keep their order
        scores, docs = scores[order], docs[order]
    if depth is not None and len(counts) and counts.max() > depth:
        keep = np.arange(len(scores)) - np.repeat(np.cumsum(counts) - counts, counts) < depth
        scores, docs = scores[keep], docs[keep]
        counts = np.minimum(counts, depth)
    return RunColumns(run.qids, counts, docs, scores, run.table)


def _numbered(runs: Sequence[RunColumns]) -> tuple[DocTable, list[np.ndarray]]:
    """Every run's documents numbered in one table: the largest run's table (an index's, when any run comes from a
    searcher; searchers over the same index share theirs, another index's numbers are translated once per pair of
    tables, and a run numbered on the fly costs a lookup per distinct document), extended by the ids it lacks."""
    table = max((run.table for run in runs), key=len)
    numbers: list[np.ndarray] = []
    extra: dict[str, int] = {}
    for run in runs:
        if run.table is table:
            numbers.append(run.docs)
            continue
        mapped = table.translation(run.table)[run.docs]
        for i in np.flatnonzero(mapped < 0).tolist():
            mapped[i] = len(table) + extra.setdefault(run.table.ids[run.docs[i]], len(extra))
        numbers.append(mapped)
    return (DocTable(table.ids + list(extra)) if extra else table), numbers


class FusionTable:
    """Every (query, document) pair the runs retrieved, in first-seen order within each query (the first run's
    order, then documents only later runs retrieved), with each run's weight-1 contribution ``value - floor`` and
    each query's floors: fusing with weights ``w`` is ``w @ values + w @ floors``, for any ``w``, so weight tuning
    builds the table once. Runs are Run dicts or ``RunColumns`` (as searchers' ``search_columns`` return them)."""

    def __init__(self, runs: Sequence[Run | RunColumns], config: FusionConfig) -> None:
        from .fusion_kernels import gather

        normalize = FUSION_METHODS.get(config.method)
        self.qids = list(dict.fromkeys(chain.from_iterable(
            run.qids if isinstance(run, RunColumns) else run for run in runs)))
        position = {qid: i for i, qid in enumerate(self.qids)}
        n_queries, n_runs = len(self.qids), len(runs)
        self.floors = np.zeros((n_runs, n_queries))
        columns = [_validated_sorted_cut(as_columns(run, self.qids), config.depth) for run in runs]
        starts, counts = np.zeros((n_runs, n_queries), np.int64), np.zeros((n_runs, n_queries), np.int64)
        values, offset = [], 0
        for r, run in enumerate(columns):
            if len(set(run.qids)) != len(run.qids):
                raise ConfigError(f"fusion input: run {r + 1} lists a query twice")
            rows = np.fromiter(map(position.__getitem__, run.qids), dtype=np.int64, count=len(run.qids))
            local_starts = np.cumsum(run.counts) - run.counts
            starts[r, rows], counts[r, rows] = local_starts + offset, run.counts
            hit = run.counts > 0
            run_values = np.zeros(0)
            if hit.any():
                run_values, self.floors[r, rows[hit]] = normalize(run.scores, local_starts[hit], run.counts[hit],
                                                                  config)
            values.append(run_values)
            offset += len(run_values)
        self.table, numbers = _numbered(columns) if columns else (DocTable([]), [])
        self.query, self.doc, self.values, self.present = gather(
            starts, counts, np.concatenate(numbers or [np.zeros(0, np.int64)]),
            np.concatenate(values or [np.zeros(0)]), len(self.table))

    def ranked(self, weights: Sequence[float], k: int, with_ties: bool = False) -> RunColumns:
        """The top ``k`` per query for ``weights`` (every query, in first-appearance order); ``with_ties`` also
        keeps the documents tied with the k-th (so a measure with cutoff k sees what it would on the full list)."""
        from .fusion_kernels import top_per_query

        w = np.asarray(weights, dtype=np.float64)
        query, doc, values = self.query, self.doc, self.values
        if not (w > 0).all():  # a run with weight 0 brings no documents
            rows = np.flatnonzero(self.present[w > 0].any(axis=0))
            query, doc, values = query[rows], doc[rows], values[:, rows]
        scores = _weighted(values, w) + _weighted(self.floors, w)[query]
        counts = np.bincount(query, minlength=len(self.qids))
        picked, kept = top_per_query(np.cumsum(counts) - counts, counts, scores, int(k), with_ties)
        return RunColumns(self.qids, kept, doc[picked], scores[picked], self.table)


def _weighted(columns: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``w @ columns`` (one row per run) summed run by run in order: elementwise arithmetic gives every entry the
    same bits whatever the array's size (a matrix product may not), so a query fuses the same alone or within a
    whole run."""
    total = np.zeros(columns.shape[1])
    for r, weight in enumerate(w.tolist()):
        total += columns[r] * weight
    return total


def fuse_columns(runs: Sequence[Run | RunColumns], config: FusionConfig = FusionConfig()) -> RunColumns:
    """Fuse whole runs (Run dicts, or ``RunColumns`` straight from searchers) into columns. Every query of any run
    is kept (a run without it counts as empty), in order of first appearance."""
    weights = config.weights_for(len(runs))
    if not runs:
        raise ConfigError("fusion needs at least one run")
    return FusionTable(runs, config).ranked(weights, config.k)


def fuse(runs: Sequence[Run | RunColumns], config: FusionConfig = FusionConfig()) -> Run:
    """``fuse_columns`` as a Run."""
    return fuse_columns(runs, config).to_run()


def fuse_hits(hit_lists: Sequence[Sequence[Hit]], config: FusionConfig = FusionConfig()) -> list[Hit]:
    """Fuse one query's hit lists (one per run, best first) into the top ``config.k`` hits."""
    return fuse([{"": list(hits)} for hits in hit_lists], config)[""]
