"""Stream JSON Lines (plain or gzipped) with errors that name the file and line."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import IO, Any, Iterator

from ..errors import CorpusFormatError, InputFileError


def open_text(path: str | os.PathLike) -> IO[str]:
    """Open a UTF-8 text file, gunzipping ``.gz``; a missing file raises InputFileError naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "no such file" if not path.exists() else "not a file")
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="strict")
    return open(path, encoding="utf-8", errors="strict")


def read_lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """(line number, line without newline) for every non-blank line; invalid UTF-8 names the line."""
    line_no = 0
    with open_text(path) as lines:
        try:
            for line_no, line in enumerate(lines, start=1):
                line = line.rstrip("\n").rstrip("\r")
                if line.strip():
                    yield line_no, line
        except UnicodeDecodeError as exc:
            raise CorpusFormatError(path, f"invalid UTF-8 ({exc.reason})", line=line_no + 1) from None
        except (EOFError, OSError) as exc:  # truncated or corrupt gzip
            raise CorpusFormatError(path, f"unreadable ({exc})", line=line_no + 1) from None


def read_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every line; a line that is not a JSON object raises CorpusFormatError."""
    for line_no, line in read_lines(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusFormatError(path, f"malformed JSON ({exc.msg} at column {exc.colno})", line=line_no) from None
        if not isinstance(record, dict):
            raise CorpusFormatError(path, f"expected a JSON object, got {type(record).__name__}", line=line_no)
        yield line_no, record


def dumps(record: Any) -> str:
    """One compact JSON line (UTF-8 kept as is)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
