"""Effectiveness through ir_measures: nDCG@10, MRR@10 (RR@10), R@100, R@1000 by default.

Averages follow ``trec_eval -c``: every judged query counts, and a judged query missing from the run scores 0.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ..errors import ConfigError
from ..types import Qrel, Run

DEFAULT_MEASURES = ("nDCG@10", "RR@10", "R@100", "R@1000")
DISPLAY = {"RR@10": "MRR@10"}


def _parse(names: Sequence[str]) -> list:
    import ir_measures

    parsed = []
    for name in names:
        try:
            parsed.append(ir_measures.parse_measure(name))
        except (ValueError, NameError, TypeError) as exc:
            raise ConfigError(f"unknown measure {name!r} ({exc}); examples: {', '.join(DEFAULT_MEASURES)}") from None
    return parsed


def per_query(run: Run, qrels: Iterable[Qrel], measures: Sequence[str] = DEFAULT_MEASURES
              ) -> dict[str, dict[str, float]]:
    """measure name -> query id -> value, for every judged query (0 when a query has no hits)."""
    import ir_measures

    qrels = list(qrels)
    parsed = _parse(measures)
    judged = sorted({q.query_id for q in qrels})
    values: dict[str, dict[str, float]] = {str(m): {qid: 0.0 for qid in judged} for m in parsed}
    ir_qrels = [ir_measures.Qrel(q.query_id, q.doc_id, q.relevance) for q in qrels]
    ir_run = [ir_measures.ScoredDoc(qid, h.doc_id, h.score) for qid, hits in run.items() for h in hits]
    for metric in ir_measures.iter_calc(parsed, ir_qrels, ir_run):
        if metric.query_id in values[str(metric.measure)]:
            values[str(metric.measure)][metric.query_id] = float(metric.value)
    return values


def means(table: dict[str, dict[str, float]]) -> dict[str, float]:
    """measure name (as displayed) -> mean of a ``per_query`` table."""
    return {DISPLAY.get(name, name): (sum(v.values()) / len(v) if v else 0.0) for name, v in table.items()}


def evaluate(run: Run, qrels: Iterable[Qrel], measures: Sequence[str] = DEFAULT_MEASURES) -> dict[str, float]:
    """measure name -> mean over judged queries (``trec_eval -c``)."""
    return means(per_query(run, qrels, measures))
