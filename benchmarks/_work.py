"""Shared by the benchmarks: encoded shards under benchmarks/work/ (made once), medians, timing."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Callable

WORK = Path(__file__).resolve().parent / "work"
COLLECTIONS = ("scifact", "arguana")


def encoded(collection: str, work: Path = WORK, queries: bool = False) -> Path:
    """``work/<collection>/vectors`` (or ``query-vectors``): SPLADE-tiny vectors of the collection's documents (or
    judged test queries) with the default settings, encoded on first use (minutes) and reused afterwards."""
    from lsr_lucene.cli.main import main
    from lsr_lucene.io.manifest import try_read_manifest

    folder = work / collection / ("query-vectors" if queries else "vectors")
    manifest = try_read_manifest(folder)
    if manifest is None or not manifest.get("complete"):
        args = ["encode", "--collection", collection, "--output", str(folder), "--quiet"]
        if main(args + (["--queries"] if queries else [])) != 0:
            raise RuntimeError(f"encoding {collection} failed")
    return folder


def timed(call: Callable[[], object]) -> tuple[float, object]:
    """(seconds, result) of ``call()``."""
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def median(values: list[float]) -> float:
    return float(statistics.median(values))
