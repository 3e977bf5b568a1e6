"""Sharded, resumable JSONL output: shards appear whole (temporary file, then rename), the manifest lists each
finished shard with its record count and checksum, and a rerun skips what is done.

Shards live in ``<folder>/shards/`` with nothing else beside them: Anserini's ``JsonVectorCollection`` reads every
file under the folder it is given, so that subfolder is what Anserini or Pyserini index.

Records are assigned to shards by position in the input stream (shard i holds records i*size .. (i+1)*size-1), so a
resumed run that feeds the same stream produces exactly the files an uninterrupted run would.

Fault tests set ``LSR_LUCENE_PAUSE_AT_RECORD=N``: the process stops itself (SIGSTOP) just before it writes record N
(counted from the start of the output), so a test can SIGKILL it at that exact point.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path
from typing import IO, Any

from ..errors import ManifestError
from .atomic import atomic_open
from .jsonl import dumps
from .manifest import read_manifest, sha256_file, try_read_manifest, write_manifest

SHARDS = "shards"
PAUSE_AT_RECORD = "LSR_LUCENE_PAUSE_AT_RECORD"


class ShardedJsonlWriter:
    """Write records into ``shards/part-NNNNN.jsonl[.gz]`` of ``shard_size`` records each under ``folder``.

    ``config`` identifies the output: resuming with a different config raises ManifestError instead of mixing two
    runs. ``counters`` passed to ``write`` are summed per shard and over the whole output.
    """

    def __init__(self, folder: str | os.PathLike, kind: str, config: dict[str, Any], shard_size: int = 10_000,
                 compress: bool = False) -> None:
        if shard_size < 1:
            raise ValueError("shard_size must be >= 1")
        self.folder = Path(folder)
        self.shard_dir = self.folder / SHARDS
        self.shard_dir.mkdir(parents=True, exist_ok=True)
        self.shard_size, self.compress = shard_size, compress
        self.manifest: dict[str, Any] = {"kind": kind, "config": config, "shard_size": shard_size,
                                         "compress": compress, "shards": [], "complete": False}
        previous = try_read_manifest(self.folder)
        if previous is not None:
            for key in ("kind", "config", "shard_size", "compress"):
                if previous.get(key) != self.manifest[key]:
                    raise ManifestError(f"{self.folder}: holds output made with a different {key} "
                                        f"({previous.get(key)!r} != {self.manifest[key]!r}); use another folder "
                                        "or --overwrite")
            self.manifest = previous
            self._check_shards()
        for stale in self.shard_dir.glob(".part-*.tmp"):
            stale.unlink()
        self._stream: contextlib.ExitStack | None = None
        self._out: IO[str] | None = None
        self._count = 0
        self._counters: dict[str, int] = {}
        self._started = time.time()
        self._pause_at = int(os.environ.get(PAUSE_AT_RECORD, -1))

    def _check_shards(self) -> None:
        for shard in self.manifest["shards"]:
            path = self.folder / shard["file"]
            if not path.is_file() or path.stat().st_size != shard["bytes"]:
                raise ManifestError(f"{path}: listed as finished in the manifest but missing or changed")

    @property
    def complete(self) -> bool:
        return bool(self.manifest.get("complete"))

    @property
    def records_done(self) -> int:
        """Records in finished shards: a resumed run skips this many records of its input."""
        return sum(s["records"] for s in self.manifest["shards"])

    def shard_name(self, index: int) -> str:
        return f"{SHARDS}/part-{index:05d}.jsonl" + (".gz" if self.compress else "")

    def write(self, record: dict[str, Any], counters: dict[str, int] | None = None) -> None:
        if self.complete:
            raise ManifestError(f"{self.folder}: output is already complete")
        if self.records_done + self._count == self._pause_at:
            os.kill(os.getpid(), signal.SIGSTOP)
        if self._out is None:
            self._stream = contextlib.ExitStack()
            name = self.shard_name(len(self.manifest["shards"]))
            self._out = self._stream.enter_context(atomic_open(self.folder / name))
        self._out.write(dumps(record) + "\n")
        self._count += 1
        for key, value in (counters or {}).items():
            self._counters[key] = self._counters.get(key, 0) + value
        if self._count >= self.shard_size:
            self._close_shard()

    def _close_shard(self) -> None:
        if self._out is None or self._stream is None:
            return
        name = self.shard_name(len(self.manifest["shards"]))
        self._stream.close()  # fsync + rename
        self.commit_shard(shard_entry(self.folder, name, self._count, self._counters))
        self._out, self._stream, self._count, self._counters = None, None, 0, {}

    def commit_shard(self, entry: dict[str, Any]) -> None:
        """Record a finished shard (written in place, atomically) as the next one in the manifest."""
        if entry["file"] != self.shard_name(len(self.manifest["shards"])):
            raise ManifestError(f"{self.folder}: shard {entry['file']} committed out of order")
        self.manifest["shards"].append(entry)
        self.manifest["seconds"] = self.manifest.get("seconds", 0.0) + time.time() - self._started
        self._started = time.time()
        write_manifest(self.folder, self.manifest)

    def abort(self) -> None:
        """Drop the shard in progress (its temporary file) without touching finished shards."""
        if self._stream is not None:
            with contextlib.suppress(Exception):
                self._stream.__exit__(RuntimeError, RuntimeError("aborted"), None)
        self._out, self._stream = None, None

    def finish(self, **extra: Any) -> dict[str, Any]:
        """Close the last shard and write the manifest with ``complete: true`` and totals."""
        self._close_shard()
        totals: dict[str, int] = {}
        for shard in self.manifest["shards"]:
            for key, value in shard.items():
                if isinstance(value, int) and key != "bytes":
                    totals[key] = totals.get(key, 0) + value
        self.manifest.update(totals=totals, complete=True, **extra)
        write_manifest(self.folder, self.manifest)
        return self.manifest

    def shard_paths(self) -> list[Path]:
        return [self.folder / s["file"] for s in self.manifest["shards"]]


def shard_entry(folder: Path, name: str, records: int, counters: dict[str, int]) -> dict[str, Any]:
    """The manifest entry of the finished shard ``folder/name``."""
    path = folder / name
    return {"file": name, "records": records, "bytes": path.stat().st_size, "sha256": sha256_file(path), **counters}


def completed_manifest(folder: str | os.PathLike, kind: str) -> dict[str, Any]:
    """The manifest of a finished output of ``kind``; ManifestError says what is wrong otherwise."""
    manifest = read_manifest(folder)
    if manifest.get("kind") != kind:
        raise ManifestError(f"{folder}: holds {manifest.get('kind')!r}, expected {kind!r}")
    if not manifest.get("complete"):
        raise ManifestError(f"{folder}: the job that writes it did not finish; rerun it to resume")
    return manifest
