"""A BEIR-layout folder: ``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv`` (each may be gzipped)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import InputFileError
from ..io.jsonl import read_lines
from ..io.trec import read_qrels
from ..types import Doc, Qrel, Query
from .base import BadInput
from .files import read_docs, read_queries


def _pick(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return folder / name


def corpus_line_count(collection: object) -> int | None:
    """Lines of a BEIR collection's corpus file (a progress bar's total), None for another kind of collection."""
    folder = getattr(collection, "folder", None)
    if folder is None:
        return None
    path = _pick(Path(folder), "corpus.jsonl")
    return sum(1 for _ in read_lines(path)) if path.is_file() else None


def is_beir_folder(path: str | os.PathLike) -> bool:
    path = Path(path)
    return path.is_dir() and _pick(path, "corpus.jsonl").is_file()


@dataclass
class BeirCollection:
    folder: Path
    name: str = ""
    remove_query_hits: bool = False
    bad: BadInput = field(default_factory=BadInput)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        self.name = self.name or self.folder.name
        if not is_beir_folder(self.folder):
            raise InputFileError(self.folder, "not a BEIR folder (no corpus.jsonl or corpus.jsonl.gz)")

    def docs_iter(self) -> Iterator[Doc]:
        return read_docs(_pick(self.folder, "corpus.jsonl"), self.bad)

    def queries_iter(self) -> Iterator[Query]:
        return read_queries(_pick(self.folder, "queries.jsonl"), self.bad)

    def qrels_path(self, split: str) -> Path:
        path = _pick(self.folder / "qrels", f"{split}.tsv")
        if not path.is_file():
            raise InputFileError(path, f"no qrels for split {split!r}; splits here: {', '.join(self.splits()) or 'none'}")
        return path

    def qrels_iter(self, split: str) -> Iterator[Qrel]:
        return read_qrels(self.qrels_path(split))

    def splits(self) -> list[str]:
        qrels = self.folder / "qrels"
        names = [p.name.split(".")[0] for p in qrels.glob("*.tsv*")] if qrels.is_dir() else []
        return sorted(set(names))
