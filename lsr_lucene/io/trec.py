"""TREC run files and qrels (TREC ``qid 0 docid rel`` or BEIR ``query-id<TAB>corpus-id<TAB>score`` with header)."""

from __future__ import annotations

import os
from typing import Iterable, Iterator

from ..errors import CorpusFormatError
from ..types import Hit, Qrel, Run
from .atomic import atomic_open
from .jsonl import read_lines


def write_run(path: str | os.PathLike, run: Run | Iterable[tuple[str, list[Hit]]], tag: str = "lsr-lucene") -> int:
    """Write ``qid Q0 docid rank score tag`` lines, queries in the run's order, hits best first; a stream of
    (query id, hits) is written as it comes. Returns the number of queries written."""
    count = 0
    with atomic_open(path) as out:
        for qid, hits in (run.items() if isinstance(run, dict) else run):
            count += 1
            for rank, hit in enumerate(hits, start=1):
                out.write(f"{qid} Q0 {hit.doc_id} {rank} {hit.score:.6f} {tag}\n")
    return count


def read_run(path: str | os.PathLike) -> Run:
    """Read a TREC run; hits are sorted by score (descending), as evaluation tools do."""
    run: Run = {}
    for line_no, line in read_lines(path):
        parts = line.split()
        if len(parts) != 6:
            raise CorpusFormatError(path, f"expected 6 fields 'qid Q0 docid rank score tag', got {len(parts)}",
                                    line=line_no)
        try:
            score = float(parts[4])
        except ValueError:
            raise CorpusFormatError(path, f"score {parts[4]!r} is not a number", line=line_no) from None
        run.setdefault(parts[0], []).append(Hit(parts[2], score))
    for hits in run.values():
        hits.sort(key=lambda h: -h.score)
    return run


def read_qrels(path: str | os.PathLike) -> Iterator[Qrel]:
    """Qrels in BEIR TSV (with a ``query-id`` header) or TREC format, detected per line by field count."""
    for line_no, line in read_lines(path):
        parts = line.split("\t") if "\t" in line else line.split()
        if line_no == 1 and parts[0].lower() in ("query-id", "query_id", "qid"):
            continue
        if len(parts) == 3:
            qid, docid, rel = parts
        elif len(parts) == 4:
            qid, _, docid, rel = parts
        else:
            raise CorpusFormatError(path, f"expected 'qid docid rel' or 'qid 0 docid rel', got {len(parts)} fields",
                                    line=line_no)
        try:
            relevance = int(float(rel))
        except ValueError:
            raise CorpusFormatError(path, f"relevance {rel!r} is not a number", line=line_no, item_id=qid) from None
        yield Qrel(qid.strip(), docid.strip(), relevance)
