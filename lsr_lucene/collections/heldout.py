"""Held-out judged queries for choosing settings (fusion weights, SLIM's alpha) without the reported queries.

A collection offers them when it judges another split than the one reported (``dev``, then ``validation``, then
``train``), or, for ArguAna, which ships test qrels only, its validation debates (``collections/arguana.py``).
Queries that the reported split also judges are dropped, so tuning never sees a reported query.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from ..types import Qrel, Query
from .base import Collection
from .judged import judged_queries

log = logging.getLogger(__name__)

SPLITS = ("dev", "validation", "train")
MAX_QUERIES = 1000
"""Held-out queries kept at most (a seeded sample), which bounds the cost of tuning on a large training split."""


@dataclass(frozen=True)
class HeldOut:
    """Judged queries apart from the reported ones, and where they come from (said in the report)."""

    queries: list[Query]
    qrels: list[Qrel]
    source: str


def heldout_queries(collection: Collection, reported: str, limit: int = MAX_QUERIES) -> HeldOut | None:
    """The collection's held-out queries for a report on split ``reported``, or None when it has none."""
    heldout = _arguana_debates(collection) or _other_split(collection, reported)
    if heldout is None:
        return None
    test_ids = {q.query_id for q in collection.qrels_iter(reported)} if reported in collection.splits() else set()
    queries = [q for q in heldout.queries if q.id not in test_ids]
    if len(queries) < len(heldout.queries):
        log.warning("%s: %d held-out queries are also %s queries; they are left out of tuning", heldout.source,
                    len(heldout.queries) - len(queries), reported)
    if len(queries) > limit:
        queries = sorted(random.Random(0).sample(queries, limit), key=lambda q: q.id)
    kept = {q.id for q in queries}
    if not kept:
        return None
    return HeldOut(queries, [r for r in heldout.qrels if r.query_id in kept], heldout.source)


def _other_split(collection: Collection, reported: str) -> HeldOut | None:
    for split in SPLITS:
        if split != reported and split in collection.splits():
            queries, qrels = judged_queries(collection, split)
            return HeldOut(queries, qrels, f"the {split} qrels")
    return None


def _arguana_debates(collection: Collection) -> HeldOut | None:
    from .arguana import argument_pairs

    if collection.name != "arguana":
        return None
    pairs = list(argument_pairs(collection.docs_iter(), "validation"))
    if not pairs:
        return None
    return HeldOut([Query(a, text) for a, text, _ in pairs], [Qrel(a, b, 1) for a, _, b in pairs],
                   "ArguAna's validation debates (argument -> counter-argument)")
