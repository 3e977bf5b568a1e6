"""Approximate impact search inside Lucene: knobs that trade a little recall for speed, all exact at 1.

``postings_fraction`` sums only that fraction of a query's postings, those of largest contribution (impact times
weight), each term's read from the head of its postings in order of impact (score-at-a-time, as JASS does); with
``candidates`` above 0, the best ``candidates`` documents (k when that is more) by those partial sums get their exact
scores (from forward vectors that the searcher keeps on the heap, else from the postings) and are ranked again.
``query_mass`` searches each query with its heaviest terms that carry this fraction of its total weight.
``threshold_factor`` over-estimates the top-k threshold: Lucene's block-max pruning skips what cannot beat the k-th
score times the factor (WAND's F; BMP's ``alpha`` is 1 / factor). All run in the java/ plugin
(``org.lsrlucene.search.BatchImpactSearcher.setApproximation``); static pruning at index time is the other knob
(``lsr-lucene index --prune-doc-terms``, recorded in the index manifest).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from ..errors import ConfigError


@dataclass(frozen=True)
class Approximation:
    """Search-time knobs; the defaults are exact."""

    query_mass: float = 1.0
    """Fraction in (0, 1] of each query's total weight that its kept (heaviest) terms must carry."""
    threshold_factor: float = 1.0
    """>= 1: documents that cannot beat the k-th score times this factor may be skipped."""
    candidates: int = 0
    """Documents of the first search rescored with the whole query (at least k; 0: none, the first search's scores
    are final)."""
    top_postings: bool = False
    """Search only each term's top postings (an index built with ``term_top_postings``), then rescore."""
    postings_fraction: float = 1.0
    """Fraction in (0, 1] of the kept terms' postings that the first search sums: those of largest contribution."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.query_mass) and 0 < self.query_mass <= 1):
            raise ConfigError(f"query mass must be in (0, 1], got {self.query_mass}")
        if not (math.isfinite(self.postings_fraction) and 0 < self.postings_fraction <= 1):
            raise ConfigError(f"postings fraction must be in (0, 1], got {self.postings_fraction}")
        if not (math.isfinite(self.threshold_factor) and self.threshold_factor >= 1):
            raise ConfigError(f"threshold factor must be a finite number >= 1, got {self.threshold_factor}")
        if isinstance(self.candidates, bool) or not isinstance(self.candidates, int) or self.candidates < 0:
            raise ConfigError(f"candidates must be an integer >= 0 (0: no rescoring), got {self.candidates!r}")
        if not isinstance(self.top_postings, bool):
            raise ConfigError(f"top_postings must be true or false, got {self.top_postings!r}")

    @property
    def exact(self) -> bool:
        return (self.query_mass == 1 and self.postings_fraction == 1 and self.threshold_factor == 1
                and not self.top_postings)

    def to_dict(self) -> dict[str, float | int | bool]:
        return asdict(self)


EXACT = Approximation()

PRESETS: dict[str, Approximation] = {
    "exact": EXACT,
    "balanced": Approximation(postings_fraction=0.1, candidates=300),
    "fast": Approximation(postings_fraction=0.05, candidates=400),
    "top": Approximation(candidates=1000, top_postings=True),
}
"""``--approximate`` presets; ``top`` needs an index built with ``term_top_postings``. Their recall@10 against
exact search and their speed on the scale corpus are in docs/scale.md."""


def describe(approx: Approximation) -> str:
    """The knobs of ``approx`` that are not exact, like ``postings fraction 0.05, candidates 400``."""
    names = {"query_mass": "mass", "postings_fraction": "postings fraction", "threshold_factor": "factor",
             "candidates": "candidates", "top_postings": "top postings"}
    parts = [name if value is True else f"{name} {value:g}" for key, name in names.items()
             if (value := getattr(approx, key)) != getattr(EXACT, key)]
    return ", ".join(parts) or "exact"


def approximation(preset: str | None = None, **knobs: float | int | bool | None) -> Approximation:
    """The preset ``preset`` (``exact`` when None) with the knobs given (fields of ``Approximation``; None: the
    preset's) overriding its values."""
    name = preset or "exact"
    if name not in PRESETS:
        raise ConfigError(f"unknown --approximate preset {name!r}; known: {', '.join(PRESETS)}")
    return replace(PRESETS[name], **{key: value for key, value in knobs.items() if value is not None})
