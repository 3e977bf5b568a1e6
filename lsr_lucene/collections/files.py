"""Readers for documents and queries in JSONL (BEIR or Anserini fields) and TSV files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from ..errors import CorpusFormatError
from ..io.jsonl import read_jsonl, read_lines
from ..types import Doc, Query
from .base import BadInput, check_doc, check_query

_ID_KEYS = ("_id", "id", "docid", "doc_id")
_TEXT_KEYS = ("text", "contents", "body")


def _field(record: dict, keys: tuple[str, ...]) -> object:
    for key in keys:
        if key in record:
            return record[key]
    return None


def _as_text(value: object, path: object, line: int, name: str, item_id: str | None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CorpusFormatError(path, f"field {name!r} must be a string, got {type(value).__name__}", line=line,
                                item_id=item_id)
    return value


def _is_tsv(path: Path) -> bool:
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    return name.endswith((".tsv", ".txt"))


def read_docs(path: str | os.PathLike, bad: BadInput | None = None) -> Iterator[Doc]:
    """Documents from JSONL (``_id``/``id``, optional ``title``, ``text``/``contents``) or TSV (``id, text`` or
    ``id, title, text``). Bad records follow ``bad`` (fail fast by default)."""
    path, bad, seen = Path(path), bad or BadInput(), set()
    if _is_tsv(path):
        for line_no, line in read_lines(path):
            parts = line.split("\t")
            if len(parts) not in (2, 3):
                bad.reject(CorpusFormatError(path, f"expected 'id<TAB>text' or 'id<TAB>title<TAB>text', "
                                                   f"got {len(parts)} fields", line=line_no))
                continue
            doc = Doc(parts[0], parts[1], parts[2]) if len(parts) == 3 else Doc(parts[0], "", parts[1])
            if check_doc(doc, path, line_no, seen, bad):
                yield doc
        return
    for line_no, record in read_jsonl(path, bad.reject):
        raw_id = _field(record, _ID_KEYS)
        if raw_id is None:
            bad.reject(CorpusFormatError(path, f"no id field (one of {', '.join(_ID_KEYS)})", line=line_no))
            continue
        doc_id = str(raw_id)
        try:
            doc = Doc(doc_id, _as_text(record.get("title"), path, line_no, "title", doc_id),
                      _as_text(_field(record, _TEXT_KEYS), path, line_no, "text", doc_id))
        except CorpusFormatError as error:
            bad.reject(error)
            continue
        if check_doc(doc, path, line_no, seen, bad):
            yield doc


def read_queries(path: str | os.PathLike, bad: BadInput | None = None) -> Iterator[Query]:
    """Queries from JSONL (``_id``/``id``/``qid`` and ``text``/``query``/``title``) or TSV (``qid<TAB>text``)."""
    path, bad, seen = Path(path), bad or BadInput(), set()
    if _is_tsv(path):
        for line_no, line in read_lines(path):
            parts = line.split("\t")
            if len(parts) != 2:
                bad.reject(CorpusFormatError(path, f"expected 'qid<TAB>text', got {len(parts)} fields", line=line_no))
                continue
            query = Query(parts[0], parts[1])
            if check_query(query, path, line_no, seen, bad):
                yield query
        return
    for line_no, record in read_jsonl(path, bad.reject):
        raw_id = _field(record, ("_id", "id", "qid", "query_id"))
        if raw_id is None:
            bad.reject(CorpusFormatError(path, "no id field (one of _id, id, qid, query_id)", line=line_no))
            continue
        try:
            query = Query(str(raw_id), _as_text(_field(record, ("text", "query", "title")), path, line_no, "text",
                                                str(raw_id)))
        except CorpusFormatError as error:
            bad.reject(error)
            continue
        if check_query(query, path, line_no, seen, bad):
            yield query
