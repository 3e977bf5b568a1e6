"""Build Lucene indexes with Anserini's ``IndexCollection`` inside the booted JVM.

Impact indexes use ``JsonVectorCollection -impact -pretokenized`` (each term repeated as many times as its impact,
so the term frequency is the impact; the stage itself is ``indexing.impact``); BM25 indexes use ``JsonCollection``
with Anserini's default English analyzer. The index is built in a temporary folder and renamed into place, with a
``manifest.json`` written last.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Iterable

from .. import jvm
from ..errors import InputFileError, JvmError, ManifestError
from ..io.atomic import atomic_dir
from ..io.jsonl import dumps
from ..io.manifest import folder_size, try_read_manifest, write_manifest
from ..streams import progress as progress_bar
from ..types import Doc
from .manifest import lucene_stats

BM25_KIND = "lsr-lucene/bm25-index"
_SETUP = threading.Lock()
"""Held while Anserini's arguments are parsed and its indexer is made (not while it runs)."""


def index_collection(input_dir: Path, index_dir: Path, collection_class: str, options: list[str], threads: int,
                     total: int | None = None, progress: bool = True) -> dict[str, int]:
    """Run ``IndexCollection`` on ``input_dir`` into ``index_dir``; return Anserini's counters.

    Raises JvmError when Anserini rejects the arguments or indexes fewer documents than it read.
    """
    try:
        with _SETUP:  # args4j's parser is not thread-safe: parts built in parallel raced into a NullPointerException
            args = jvm.autoclass("io.anserini.index.IndexCollection$Args")()
            argv = jvm.autoclass("java.util.ArrayList")()
            for token in ["-collection", collection_class, "-input", str(input_dir), "-index", str(index_dir),
                          "-threads", str(threads), "-quiet", *options]:
                argv.add(token)
            jvm.autoclass("org.kohsuke.args4j.CmdLineParser")(args).parseArgument(argv)
            indexer = jvm.autoclass("io.anserini.index.IndexCollection")(args)
    except Exception as exc:
        raise JvmError(f"Anserini refused the indexing arguments {list(options)}: {jvm.java_error_message(exc)}") from exc
    bar = progress_bar(desc=f"index ({collection_class})", total=total, enabled=progress)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            indexer.run()
        except BaseException as exc:  # reported below, in the calling thread
            failure.append(exc)

    worker = threading.Thread(target=work, name="anserini-index")
    worker.start()
    counters = indexer.getCounters()
    while worker.is_alive():
        worker.join(0.5)
        bar.n = int(counters.indexed.get())
        bar.refresh()
    bar.n = int(counters.indexed.get())
    bar.close()
    if failure:
        raise JvmError(f"indexing {input_dir} failed: {jvm.java_error_message(failure[0])}") from failure[0]
    result = {name: int(getattr(counters, name).get()) for name in
              ("indexed", "unindexable", "empty", "skipped", "errors")}
    if result["errors"] or result["unindexable"]:
        raise JvmError(f"Anserini could not index {result['errors'] + result['unindexable']} documents of "
                       f"{input_dir} (counters {result}); check the input files")
    return result


def index_bm25(docs: Iterable[Doc], index_dir: str | os.PathLike, threads: int = 2, progress: bool = True,
               overwrite: bool = False, source: str = "") -> dict[str, Any]:
    """BM25 index of raw text (title and text joined) with Anserini's defaults (English analyzer, Porter stemmer,
    stopwords removed). A finished index for the same ``source`` is kept."""
    index_dir = Path(index_dir)
    config = {"source": source, "analyzer": "DefaultEnglishAnalyzer"}
    existing = try_read_manifest(index_dir)
    if existing is not None and existing.get("complete") and not overwrite:
        if existing.get("kind") != BM25_KIND or existing.get("config") != config:
            raise ManifestError(f"{index_dir}: holds another index; use another folder or --overwrite")
        return existing
    started = time.time()
    with atomic_dir(index_dir) as tmp:
        inputs = tmp.parent / f".{index_dir.name}.input"
        shutil.rmtree(inputs, ignore_errors=True)  # left by a killed run
        inputs.mkdir()
        try:
            count = _write_json_collection(docs, inputs, max(1, threads))
            if not count:
                raise InputFileError(source or index_dir, "holds no documents: nothing to index")
            counters = index_collection(inputs, tmp, "JsonCollection", [], threads, total=count, progress=progress)
        finally:
            shutil.rmtree(inputs, ignore_errors=True)
        stats = lucene_stats(tmp)
        manifest = {"kind": BM25_KIND, "config": config, "engine": "anserini", "counters": counters,
                    "lucene": stats, "documents_read": count, "threads": threads,
                    "seconds": time.time() - started, "complete": True}
        manifest["bytes"] = folder_size(tmp)
        write_manifest(tmp, manifest)
    return manifest


def _write_json_collection(docs: Iterable[Doc], folder: Path, files: int) -> int:
    """Spread ``{"id","contents"}`` lines round-robin over ``files`` files (one indexing thread each)."""
    outs = [open(folder / f"part-{i:03d}.jsonl", "w", encoding="utf-8") for i in range(files)]
    count = 0
    try:
        for count, doc in enumerate(docs, start=1):
            outs[count % files].write(dumps({"id": doc.id, "contents": doc.contents}) + "\n")
    finally:
        for out in outs:
            out.close()
    return count
