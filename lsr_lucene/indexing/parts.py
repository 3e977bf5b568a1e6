"""Impact indexes built in parts: groups of shards indexed in parallel, each to its own Lucene index, then merged
with Lucene's ``IndexWriter.addIndexes``. Segments are copied in part order, so the merged index holds the
documents in the order one index of all shards would, with the same postings: the same hits and scores.

On one machine this spreads indexing over threads; across machines, index each part where its shards are and merge
the part indexes with :func:`merge_indexes` (``lsr-lucene merge-indexes``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence, TypeVar

from .. import jvm
from ..errors import ConfigError
from ..io.atomic import link_or_copy
from .build import build_index
from .manifest import IMPACT_KIND, lucene_stats

T = TypeVar("T")


def split(items: Sequence[T], parts: int) -> list[list[T]]:
    """``items`` in ``parts`` contiguous groups whose sizes differ by at most one."""
    size, extra = divmod(len(items), parts)
    groups, start = [], 0
    for k in range(parts):
        end = start + size + (k < extra)
        groups.append(list(items[start:end]))
        start = end
    return groups


def _link_folder(files: list[Path], folder: Path) -> Path:
    """A folder holding exactly ``files`` (hard links, or copies across file systems), for Anserini."""
    folder.mkdir(parents=True)
    for i, path in enumerate(files):
        link_or_copy(path, folder / f"{i:05d}-{path.name}")
    return folder


def build_in_parts(files: list[Path], out: Path, engine: str, parts: int, threads: int = 1,
                   optimize: bool = False) -> dict[str, int]:
    """Index ``files`` in ``parts`` parallel parts (``threads`` each) and merge them into ``out``; summed counters."""
    if not 1 < parts <= len(files):
        raise ConfigError(f"{parts} parts need at least {parts} vector shards, found {len(files)} "
                          "(encode with a smaller --shard-size)")
    root = Path(tempfile.mkdtemp(prefix=f"{out.name}.parts.", suffix=".tmp", dir=out.parent))

    def part(k: int, group: list[Path]) -> dict[str, int]:
        try:
            folder = _link_folder(group, root / f"input-{k:03d}") if engine == "anserini" else root
            return build_index(group, folder, root / f"part-{k:03d}", engine, threads, None, False)
        finally:
            jvm.detach()

    try:
        with ThreadPoolExecutor(parts) as pool:
            counters = list(pool.map(part, range(parts), split(files, parts)))
        merge_indexes([root / f"part-{k:03d}" for k in range(parts)], out, optimize)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    summed = {key: sum(c.get(key, 0) for c in counters) for key in counters[0]}
    return {**summed, "parts": parts}


def merge_indexes(indexes: Sequence[str | os.PathLike], out: str | os.PathLike, optimize: bool = False) -> None:
    """Write a new Lucene index at ``out`` holding the segments of ``indexes``, in that order (``optimize``: one
    segment)."""
    config = jvm.autoclass("org.apache.lucene.index.IndexWriterConfig")()
    config.setOpenMode(jvm.autoclass("org.apache.lucene.index.IndexWriterConfig$OpenMode").CREATE)
    with contextlib.ExitStack() as stack:
        sources = [stack.enter_context(jvm.lucene_directory(path)) for path in indexes]
        writer = jvm.autoclass("org.apache.lucene.index.IndexWriter")(stack.enter_context(jvm.lucene_directory(out)),
                                                                      config)
        stack.callback(writer.close)
        writer.addIndexes(*[jvm.cast("org.apache.lucene.store.Directory", source) for source in sources])
        if optimize:
            writer.forceMerge(1)
        writer.commit()


def merge_index_folders(indexes: Sequence[str | os.PathLike], out: str | os.PathLike,
                        optimize: bool = False) -> dict[str, Any]:
    """Merge finished impact indexes (each with its manifest, e.g. built on different machines) into a new index at
    ``out`` with a manifest listing them; returns that manifest."""
    from ..io.atomic import atomic_dir
    from ..io.manifest import folder_size, read_manifest, write_manifest

    manifests = [read_manifest(path) for path in indexes]
    for path, manifest in zip(indexes, manifests):
        if manifest.get("kind") != IMPACT_KIND or not manifest.get("complete"):
            raise ConfigError(f"{path}: not a finished impact index (kind {manifest.get('kind')!r})")
        if manifest.get("term_top_postings"):
            raise ConfigError(f"{path}: built with --term-top-postings (a vocabulary and top postings of its own); "
                              "merge indexes built without it")
    if len({json.dumps(m["config"].get("encode"), sort_keys=True) for m in manifests}) > 1:
        raise ConfigError("the indexes hold vectors encoded with different settings; merging them would mix scores")
    with atomic_dir(out) as tmp:
        merge_indexes(indexes, tmp, optimize)
        manifest = {"kind": IMPACT_KIND, "config": {"encode": manifests[0]["config"].get("encode"),
                                                    "merged": [m["config"] for m in manifests]},
                    "engine": manifests[0].get("engine"), "lucene": lucene_stats(tmp), "optimize": optimize,
                    "parts": len(manifests), "complete": True}
        manifest["bytes"] = folder_size(tmp)
        write_manifest(tmp, manifest)
    return manifest
