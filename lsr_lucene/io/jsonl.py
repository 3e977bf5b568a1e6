"""Stream JSON Lines (plain or gzipped) with errors that name the file and line."""

from __future__ import annotations

import gzip
import json
import os
import zlib
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import CorpusFormatError, InputFileError


def read_lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """(line number, line without newline) for every non-blank line; invalid UTF-8 names its line."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "no such file" if not path.exists() else "not a file")
    line_no = 0
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as raw:
        try:
            for line_no, data in enumerate(raw, start=1):
                try:
                    line = data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise CorpusFormatError(path, f"invalid UTF-8 ({exc.reason} at byte {exc.start})",
                                            line=line_no) from None
                line = line.rstrip("\n").rstrip("\r")
                if line.strip():
                    yield line_no, line
        except (EOFError, OSError, zlib.error) as exc:  # truncated or corrupt gzip
            raise CorpusFormatError(path, f"unreadable ({exc})", line=line_no + 1) from None


def read_jsonl(path: str | os.PathLike, on_error: Callable[[CorpusFormatError], None] | None = None
               ) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every line. A line that is not a JSON object raises CorpusFormatError, or is
    handed to ``on_error`` (which may raise or record it) and skipped."""
    for line_no, line in read_lines(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            error = CorpusFormatError(path, f"malformed JSON ({exc.msg} at column {exc.colno})", line=line_no)
        else:
            if isinstance(record, dict):
                yield line_no, record
                continue
            error = CorpusFormatError(path, f"expected a JSON object, got {type(record).__name__}", line=line_no)
        if on_error is None:
            raise error
        on_error(error)


def dumps(record: Any) -> str:
    """One compact JSON line (UTF-8 kept as is)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
