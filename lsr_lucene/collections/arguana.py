"""ArguAna's own validation split as a dev set for tuning (BEIR ships only test qrels for ArguAna).

BEIR's ArguAna test set pairs each argument ``test-<topic>-<debate>-<pro|con>NNa`` (the query: its text) with its
counter-argument ``...NNb`` (the one relevant document). The corpus also holds the debates of the original
ArguAna training and validation splits (ids ``training-...`` and ``validation-...``, Wachsmuth et al., ACL 2018),
disjoint from the test debates. Applying the same construction to the validation debates gives a dev set that
looks like the test queries (whole arguments, not the short synthetic ``genq/`` questions) without reading a test
judgment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import InputFileError
from ..types import Doc, Qrel, Query
from .files import read_docs

SPLITS = ("training", "validation")


def counterargument_pairs(corpus: str | os.PathLike, split: str = "validation") -> tuple[list[Query], list[Qrel]]:
    """(queries, qrels) of ``split``: each ``<split>-...a`` argument (its text) judged against its ``...b``
    counter-argument, in corpus order; arguments without a counterpart in the corpus are left out."""
    if split not in SPLITS:
        raise InputFileError(corpus, f"ArguAna split must be one of {SPLITS}, got {split!r}")
    pairs = list(argument_pairs(read_docs(Path(corpus)), split))
    if not pairs:
        raise InputFileError(corpus, f"no '{split}-...a' arguments with a '...b' counter-argument: not ArguAna?")
    return [Query(a, text) for a, text, _ in pairs], [Qrel(a, b, 1) for a, _, b in pairs]


def argument_pairs(docs: Iterable[Doc], split: str) -> Iterator[tuple[str, str, str]]:
    """(argument id, argument text, counter-argument id) for each ``<split>-...a`` document whose ``...b``
    counterpart is among ``docs``, in document order."""
    texts = {doc.id: doc.text for doc in docs if doc.id.startswith(f"{split}-")}
    for doc_id, text in texts.items():
        counter = doc_id[:-1] + "b"
        if doc_id.endswith("a") and counter in texts:
            yield doc_id, text, counter
