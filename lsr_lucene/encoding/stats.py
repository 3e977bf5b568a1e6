"""Encoder counters (texts, truncated texts, tokens), summed over batches and over the runs of a resumed output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence


@dataclass
class EncodeStats:
    texts: int = 0
    truncated: int = 0
    tokens: int = 0

    def count(self, ids: Sequence[Sequence[int]], truncated: int) -> None:
        """Add one tokenized batch: its token ids per text and how many texts were truncated."""
        self.texts += len(ids)
        self.truncated += truncated
        self.tokens += sum(len(x) for x in ids)

    def merge(self, counters: Mapping[str, int]) -> None:
        """Add another run's counters (``vars`` of its EncodeStats), e.g. a worker's."""
        for key, value in counters.items():
            setattr(self, key, getattr(self, key) + value)

    def totals(self, previous: Mapping[str, Any], seconds: float) -> dict[str, Any]:
        """The manifest's ``encode_stats``: this run's counters and ``seconds`` added to a resumed output's
        ``previous`` ones."""
        return {"texts": previous.get("texts", 0) + self.texts,
                "truncated": previous.get("truncated", 0) + self.truncated,
                "tokens": previous.get("tokens", 0) + self.tokens,
                "seconds": previous.get("seconds", 0.0) + seconds}
