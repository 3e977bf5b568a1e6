"""The Collection protocol and the bad-input policy shared by every reader."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Iterator, Protocol

from ..errors import ConfigError, InputFileError
from ..types import Doc, Qrel, Query

POLICIES = ("fail", "skip")


@dataclass
class BadInput:
    """What to do with a bad record: ``fail`` raises at the first one (default); ``skip`` records it and goes on.

    Skipped records are kept with file, line, id and reason, and ``save`` writes them beside the output.
    """

    policy: str = "fail"
    skipped: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ConfigError(f"bad-input policy must be one of {POLICIES}, got {self.policy!r}")

    def reject(self, error: InputFileError) -> None:
        if self.policy == "fail":
            raise error
        entry = {"file": error.path, "line": error.line, "id": error.item_id, "reason": str(error)}
        if entry not in self.skipped:  # a file read twice (encode, then BM25) reports each record once
            self.skipped.append(entry)

    def save(self, path: str | os.PathLike) -> None:
        from ..io.atomic import write_text

        write_text(path, json.dumps({"policy": self.policy, "skipped": self.skipped}, indent=2) + "\n")


class Collection(Protocol):
    """Documents, queries and judgments. Iterators stream from disk; nothing is held in memory."""

    name: str
    remove_query_hits: bool
    """Drop a hit whose doc id equals the query id (Anserini's ``-removeQuery``, the BEIR convention)."""

    def docs_iter(self) -> Iterator[Doc]: ...

    def queries_iter(self) -> Iterator[Query]: ...

    def qrels_iter(self, split: str) -> Iterator[Qrel]: ...

    def splits(self) -> list[str]: ...


def check_doc(doc: Doc, path: object, line: int | None, seen: set[str], bad: BadInput) -> bool:
    """True if ``doc`` may be used; otherwise the policy raises or records why (empty or duplicate id/text)."""
    if not doc.id.strip():
        bad.reject(InputFileError(path, "document has an empty id", line=line))
        return False
    if doc.id in seen:
        bad.reject(InputFileError(path, "duplicate document id", line=line, item_id=doc.id))
        return False
    if not doc.contents.strip():
        bad.reject(InputFileError(path, "document is empty (no title or text); use --on-bad-input skip to skip "
                                  "such documents", line=line, item_id=doc.id))
        return False
    seen.add(doc.id)
    return True


def check_query(query: Query, path: object, line: int | None, seen: set[str], bad: BadInput) -> bool:
    if not query.id.strip():
        bad.reject(InputFileError(path, "query has an empty id", line=line))
        return False
    if query.id in seen:
        bad.reject(InputFileError(path, "duplicate query id", line=line, item_id=query.id))
        return False
    if not query.text.strip():
        bad.reject(InputFileError(path, "query text is empty", line=line, item_id=query.id))
        return False
    seen.add(query.id)
    return True
