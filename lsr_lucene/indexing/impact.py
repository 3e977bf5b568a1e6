"""The impact index stage: an encode output folder to a Lucene impact index, by the chosen engine.

Both engines write the same index (Anserini's conventions); the ``plugin`` engine writes impacts directly and is
the default, ``anserini`` runs Anserini's ``IndexCollection``. The index is built in a temporary folder and
renamed into place, with a ``manifest.json`` written last that records the engine that ran.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..engine import DEFAULT_ENGINE, resolve_engine
from ..errors import ConfigError, ManifestError
from ..io.atomic import atomic_dir
from ..io.manifest import folder_size, try_read_manifest, write_manifest
from .build import build_index
from .manifest import IMPACT_KIND, lucene_stats


def index_impact(vectors_dir: str | os.PathLike, index_dir: str | os.PathLike, threads: int = 2,
                 progress: bool = True, overwrite: bool = False, engine: str = DEFAULT_ENGINE,
                 optimize: bool = False, parts: int = 1, prune_doc_terms: int = 0, term_top_postings: int = 0
                 ) -> dict[str, Any]:
    """Impact index of an encode output folder, or of a plain JsonVectorCollection folder (validated first); returns
    its manifest (resumable at the job level: a finished index
    of the same vectors is kept, whichever engine built it, since both build the same index).

    Documents whose vector is empty are not indexed (Anserini skips empty documents); the manifest counts them.
    ``optimize`` merges the index into one segment (Anserini's ``-optimize``). ``parts`` > 1 indexes that many
    groups of shards in parallel, each to its own Lucene index, and merges them (same documents, same order).
    ``prune_doc_terms`` > 0 prunes statically (plugin engine): each document keeps its ``prune_doc_terms`` highest
    impacts, an approximation recorded in the manifest as ``pruning``. ``term_top_postings`` > 0 (plugin engine)
    adds what approximate search with ``top_postings`` reads: each term's ``term_top_postings`` highest-impact
    postings in a second field and each document's vector as doc values (a forward index; the index grows by
    about as much again).
    """
    from ..io.vectors import vectors_source

    vectors_dir, index_dir = Path(vectors_dir), Path(index_dir)
    found = vectors_source(vectors_dir)
    source = found.manifest
    for name, value in (("--prune-doc-terms", prune_doc_terms), ("--term-top-postings", term_top_postings)):
        if value < 0 or (value and parts > 1):
            raise ConfigError(f"{name} must be >= 0 and cannot be combined with --parts (got {value}, {parts} parts)")
    pruning = {"doc_terms": prune_doc_terms} if prune_doc_terms else None
    config = {"vectors": str(vectors_dir.resolve()), "encode": source["config"],
              "vectors_sha256": [s["sha256"] for s in source["shards"]]}
    if pruning:  # a pruned index is another index of the same vectors
        config["pruning"] = pruning
    if term_top_postings:
        config["term_top_postings"] = term_top_postings
    existing = try_read_manifest(index_dir)
    if existing is not None and existing.get("complete") and not overwrite:
        if existing.get("kind") != IMPACT_KIND or existing.get("config") != config:
            raise ManifestError(f"{index_dir}: holds an index of other vectors; use another folder or --overwrite")
        return existing
    total = source["totals"].get("records", 0)
    if not total:
        raise ManifestError(f"{vectors_dir}: holds no vectors (was the encoded collection empty?)")
    used = resolve_engine(engine)
    started = time.time()
    with atomic_dir(index_dir) as tmp:
        files = [vectors_dir / s["file"] for s in source["shards"]]
        if parts > 1:
            from .parts import build_in_parts

            counters = build_in_parts(files, tmp, used, parts, threads, optimize)
        else:
            counters = build_index(files, found.shard_dir, tmp, used, threads, total, progress, optimize,
                                   prune_doc_terms, term_top_postings)
        seconds = time.time() - started
        stats = lucene_stats(tmp)
        expected = total - source["totals"].get("empty_vectors", 0)
        if stats["documents"] != expected:
            raise ManifestError(f"{index_dir}: indexed {stats['documents']} documents, expected {expected} "
                                f"(vectors in {vectors_dir}, counters {counters})")
        manifest = {"kind": IMPACT_KIND, "config": config, "engine": used, "counters": counters,
                    "lucene": stats, "threads": threads, "optimize": optimize, "parts": parts, "pruning": pruning,
                    "term_top_postings": term_top_postings, "seconds": seconds, "complete": True}
        manifest["bytes"] = folder_size(tmp)
        write_manifest(tmp, manifest)
    return manifest
