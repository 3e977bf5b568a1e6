"""The queries a split judges, with its qrels: what evaluating a collection needs."""

from __future__ import annotations

import logging

from ..errors import ConfigError
from ..types import Qrel, Query
from .base import Collection

log = logging.getLogger(__name__)


def judged_queries(collection: Collection, split: str) -> tuple[list[Query], list[Qrel]]:
    """The queries judged in ``split`` (all queries when the collection has no qrels) and the qrels."""
    splits = collection.splits()
    if not splits:
        raise ConfigError(f"collection {collection.name!r} has no qrels: it can be encoded and indexed, "
                          "not evaluated")
    qrels = list(collection.qrels_iter(split))
    judged = {q.query_id for q in qrels}
    queries = [q for q in collection.queries_iter() if q.id in judged]
    missing = judged - {q.id for q in queries}
    if missing:
        log.warning("qrels of %s name %d query ids that have no query text (e.g. %s); they score 0",
                    split, len(missing), ", ".join(sorted(missing)[:3]))
    return queries, qrels
