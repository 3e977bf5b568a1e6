"""Updates of an existing impact index: add or replace documents by id from new vectors, delete documents by id.

Each update runs on a hard-linked copy of the index folder (Lucene never rewrites a file, so the copy shares the
old files and only new ones take space), commits there, writes the manifest and swaps the copy into place in one
step (:func:`..io.atomic.replace_dir`): a killed update leaves the old index and its manifest as they were.
Deleted and replaced documents are expunged from the segments before the commit, so the updated index holds the
documents, terms and postings an index built from scratch on the final documents holds: the same hits and scores,
and the same ``lucene`` statistics in the manifest. The manifest lists the updates applied, in order.

Updates go through the java/ plugin whichever engine built the index (both write the same documents). Rerunning the
last update (same vectors or same id file) changes nothing.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .. import jvm
from ..errors import ConfigError, InputFileError, JvmError, ManifestError, SetupError
from ..io.atomic import atomic_dir, link_or_copy
from ..io.manifest import MANIFEST, folder_size, read_manifest, sha256_file, write_manifest
from ..io.vectors import VectorSource, shard_vectors, vectors_source
from ..types import ImpactVector
from .manifest import IMPACT_KIND, lucene_index_dir, lucene_stats

LOCK = "write.lock"


def _impact_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of the finished impact index at ``index_dir``."""
    lucene_index_dir(index_dir)
    manifest = read_manifest(index_dir)
    if manifest.get("kind") != IMPACT_KIND or not manifest.get("complete"):
        raise ManifestError(f"{index_dir}: not a finished impact index (kind {manifest.get('kind')!r})")
    return manifest


def _check_plugin() -> None:
    problem = jvm.plugin_problem()
    if problem is not None:
        raise SetupError(f"index updates need the java/ plugin, which is unavailable: {problem}")


def _check_encoding(index_dir: Path, index_encode: Any, vectors_dir: Path, vectors_encode: Any) -> None:
    """ConfigError unless the vectors were encoded as the index's were (other settings would mix scores)."""
    if vectors_encode == index_encode:
        return
    if isinstance(index_encode, dict) and isinstance(vectors_encode, dict):
        keys = sorted(k for k in {*index_encode, *vectors_encode} if index_encode.get(k) != vectors_encode.get(k))
        shown = "; ".join(f"{k} {json.dumps(vectors_encode.get(k))}, index: {json.dumps(index_encode.get(k))}"
                          for k in keys)
    else:
        shown = f"{json.dumps(vectors_encode)}, index: {json.dumps(index_encode)}"
    raise ConfigError(f"{vectors_dir}: encoded with other settings than the index {index_dir} ({shown}); "
                      "encode the new documents as the index's were")


@contextmanager
def _copy_of(index_dir: Path) -> Iterator[Path]:
    """A hard-linked copy of the Lucene files of ``index_dir`` that replaces it on clean exit."""
    with atomic_dir(index_dir) as tmp:
        for path in index_dir.iterdir():
            if path.name not in (LOCK, MANIFEST):
                link_or_copy(path, tmp / path.name)
        yield tmp


def _finish(index_dir: Path, tmp: Path, manifest: dict[str, Any], entry: dict[str, Any], expected: int) -> \
        dict[str, Any]:
    """Check the document count of the updated copy, write its manifest (``entry`` appended to its updates)."""

    stats = lucene_stats(tmp)
    if stats["documents"] != expected:
        raise ManifestError(f"{index_dir}: the update left {stats['documents']} documents, expected {expected} "
                            f"({entry})")
    updated = {**manifest, "lucene": stats, "updates": [*manifest.get("updates", []), entry]}
    updated["bytes"] = folder_size(tmp)
    write_manifest(tmp, updated)
    return updated


def _last_update(manifest: dict[str, Any], **same: Any) -> bool:
    """Whether the last update of ``manifest`` has the ``same`` values."""
    last = manifest.get("updates", [{}])[-1]
    return all(last.get(key) == value for key, value in same.items())


def update_index(index_dir: str | os.PathLike, vectors_dir: str | os.PathLike, threads: int = 2,
                 progress: bool = True) -> dict[str, Any]:
    """Add the documents of ``vectors_dir`` (an encode output or a plain JsonVectorCollection folder) to the impact
    index at ``index_dir``, each replacing the document with the same id; a document whose new vector is empty is
    deleted (an index from scratch skips it). Returns the new manifest.

    The vectors must have been encoded with the index's settings (model, quantization, ...): ConfigError otherwise.
    A bad record raises InputFileError naming its file, line and id, and leaves the index as it was.
    """
    from .plugin import index_vector_files

    index_dir, vectors_dir = Path(index_dir), Path(vectors_dir)
    manifest = _impact_manifest(index_dir)
    found = vectors_source(vectors_dir)
    source = found.manifest
    _check_encoding(index_dir, manifest["config"].get("encode"), vectors_dir, source["config"])
    shas = [s["sha256"] for s in source["shards"]]
    if _last_update(manifest, op="update", vectors_sha256=shas):
        return manifest
    _check_plugin()
    if manifest.get("term_top_postings"):
        raise ConfigError(f"{index_dir}: built with --term-top-postings, whose top postings depend on every "
                          "document; rebuild it instead of updating it")
    started = time.time()
    with _copy_of(index_dir) as tmp:
        counters = index_vector_files([vectors_dir / s["file"] for s in source["shards"]], tmp, threads,
                                      total=source["totals"].get("records"), progress=progress,
                                      optimize=bool(manifest.get("optimize")), update=True,
                                      doc_terms=(manifest.get("pruning") or {}).get("doc_terms", 0))
        entry = {"op": "update", "vectors": str(vectors_dir.resolve()), "vectors_sha256": shas,
                 "counters": counters, "seconds": time.time() - started}
        expected = manifest["lucene"]["documents"] + counters["added"] - counters["deleted"]
        return _finish(index_dir, tmp, manifest, entry, expected)


def read_ids(path: str | os.PathLike) -> dict[str, int]:
    """The document ids of a file holding one id per line (blank lines skipped), each with its line number, in file
    order; InputFileError names the line of a repeated id."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "no such id file")
    lines: dict[str, int] = {}
    with open(path, encoding="utf-8") as stream:
        for line_no, line in enumerate(stream, start=1):
            doc_id = line.strip()
            if doc_id in lines:
                raise InputFileError(path, f"id repeated (first on line {lines[doc_id]})", line=line_no,
                                     item_id=doc_id)
            if doc_id:
                lines[doc_id] = line_no
    if not lines:
        raise InputFileError(path, "holds no ids")
    return lines


def final_vectors(base: VectorSource, updates: list[dict[str, Any]]) -> Iterator[tuple[str, ImpactVector]]:
    """(id, vector) of the documents of an index built from ``base`` and then given ``updates`` (its manifest's
    list): each document from the last vectors that hold its id, none for an id deleted after them."""
    sources = [base.shard_dir, *(vectors_source(u["vectors"]).shard_dir for u in updates if u["op"] == "update")]
    owner = dict.fromkeys((doc_id for doc_id, _ in shard_vectors(sources[0])), 0)
    applied = 0
    for update in updates:
        if update["op"] == "update":
            applied += 1
            owner.update((doc_id, applied) for doc_id, _ in shard_vectors(sources[applied]))
        else:
            owner.update(dict.fromkeys(read_ids(update["ids"]), -1))
    for k, folder in enumerate(sources):
        yield from ((doc_id, vector) for doc_id, vector in shard_vectors(folder) if owner[doc_id] == k)


def delete_documents(index_dir: str | os.PathLike, ids_file: str | os.PathLike) -> dict[str, Any]:
    """Delete the documents whose ids ``ids_file`` lists (one per line) from the impact index at ``index_dir``;
    returns the new manifest. An id that is not in the index raises InputFileError naming its line, and nothing is
    deleted."""
    index_dir, ids_file = Path(index_dir), Path(ids_file)
    manifest = _impact_manifest(index_dir)
    lines = read_ids(ids_file)
    ids = list(lines)
    sha = sha256_file(ids_file)
    if _last_update(manifest, op="delete", ids_sha256=sha):
        return manifest
    _check_plugin()
    started = time.time()
    with _copy_of(index_dir) as tmp:
        updates = jvm.autoclass("org.lsrlucene.index.IndexUpdates")(str(tmp))
        try:
            missing = int(updates.firstMissing(ids))
            if missing >= 0:
                raise InputFileError(ids_file, f"no document with this id in {index_dir}", line=lines[ids[missing]],
                                     item_id=ids[missing])
            updates.deleteAll(ids)
        except InputFileError:
            raise
        except Exception as exc:
            raise JvmError(f"deleting documents from {index_dir} failed: {jvm.java_error_message(exc)}") from exc
        finally:
            updates.close()
        entry = {"op": "delete", "ids": str(ids_file.resolve()), "ids_sha256": sha,
                 "counters": {"deleted": int(updates.counts()[2])}, "seconds": time.time() - started}
        return _finish(index_dir, tmp, manifest, entry, manifest["lucene"]["documents"] - len(ids))
