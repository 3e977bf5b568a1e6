"""Indexing time and index size: the java/ plugin's direct-impact indexer against Anserini's ``IndexCollection
-collection JsonVectorCollection -impact -pretokenized`` ("fake words") on the same SPLADE-tiny shards, in the same
JVM, with the same number of threads, runs alternated.

    PYTHONPATH=. python -m benchmarks.indexing [--collections scifact arguana] [--threads 2] [--repeats 3]

Anserini indexes each input file in one thread, and the pipeline writes 10,000 documents per shard, so on these
collections (one shard each) it runs single-threaded; ``anserini_split`` gives it the same records split into
``threads`` files so that it can use every thread too. Both engines first index a 500-record slice (JIT warm-up,
not timed). The plugin's index must be the same as Anserini's: same postings digest (every term, document id and
impact) and, for one input file, the same size.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._work import COLLECTIONS, WORK, encoded, median, timed


def _split(files: list[Path], out: Path, parts: int, limit: int | None = None) -> list[Path]:
    """The records of ``files`` spread round-robin over ``parts`` files in ``out`` (the first ``limit`` only)."""
    from lsr_lucene.io.jsonl import read_lines

    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"part-{i:03d}.jsonl" for i in range(parts)]
    streams = [open(p, "w", encoding="utf-8") for p in paths]
    try:
        lines = itertools.chain.from_iterable(read_lines(f) for f in files)
        for i, (_, line) in enumerate(itertools.islice(lines, limit)):
            streams[i % parts].write(line + "\n")
    finally:
        for stream in streams:
            stream.close()
    return paths


def _index(engine: str, files: list[Path], index_dir: Path, threads: int) -> None:
    from lsr_lucene.indexing.anserini import index_collection
    from lsr_lucene.indexing.plugin import index_vector_files

    if engine == "plugin":
        index_vector_files(files, index_dir, threads, progress=False)
    else:
        folder = files[0].parent
        assert sorted(folder.iterdir()) == sorted(files), folder  # IndexCollection reads the whole folder
        index_collection(folder, index_dir, "JsonVectorCollection", ["-impact", "-pretokenized"], threads,
                         progress=False)


def _digest(index_dir: Path) -> str:
    from lsr_lucene import jvm

    inspector = jvm.autoclass("org.lsrlucene.index.IndexInspector")(str(index_dir))
    try:
        return str(inspector.postingsDigest("contents"))
    finally:
        inspector.close()


def benchmark_indexing(collections: tuple[str, ...] = COLLECTIONS, threads: int = 2, repeats: int = 3,
                       work: Path = WORK, heap: str = "3g") -> dict[str, Any]:
    """Per collection: median seconds of each engine, ``speedup`` (Anserini / plugin, one file as the pipeline
    writes it), ``speedup_split`` (Anserini given ``threads`` files / plugin), index bytes and ``size_ratio``
    (plugin / Anserini), whether the postings are identical, and every run's seconds. ``heap``: the JVM's -Xmx,
    which also bounds both engines' RAM buffer (Anserini's 4096 MB buffer is never reached on these collections)."""
    from lsr_lucene import jvm
    from lsr_lucene.io.manifest import folder_size, read_manifest

    jvm.start(heap)
    results: dict[str, Any] = {"threads": threads, "repeats": repeats}
    with tempfile.TemporaryDirectory(dir=work, prefix=".bench-index-") as tmp_name:
        tmp = Path(tmp_name)
        for collection in collections:
            vectors = encoded(collection, work)
            manifest = read_manifest(vectors)
            files = [vectors / s["file"] for s in manifest["shards"]]
            inputs = {"plugin": files, "anserini": files,
                      "anserini_split": _split(files, tmp / collection / "split", threads)}
            warm = _split(files, tmp / collection / "warm", 1, limit=500)
            for engine in ("plugin", "anserini"):
                _index(engine, warm, tmp / f"warm-{engine}", threads)
            seconds: dict[str, list[float]] = {engine: [] for engine in inputs}
            sizes: dict[str, int] = {}
            digests: dict[str, str] = {}
            for repeat in range(repeats):
                order = list(inputs) if repeat % 2 == 0 else list(reversed(inputs))
                for engine in order:
                    index_dir = tmp / collection / f"{engine}-{repeat}"
                    engine_name = "plugin" if engine == "plugin" else "anserini"
                    elapsed, _ = timed(lambda: _index(engine_name, inputs[engine], index_dir, threads))
                    seconds[engine].append(elapsed)
                    sizes[engine] = folder_size(index_dir)
                    if repeat == 0:
                        digests[engine] = _digest(index_dir)
                    shutil.rmtree(index_dir)
            medians = {engine: median(values) for engine, values in seconds.items()}
            results[collection] = {
                "documents": manifest["totals"]["records"],
                "postings": manifest["totals"]["postings"],
                "seconds": medians,
                "speedup": medians["anserini"] / medians["plugin"],
                "speedup_split": medians["anserini_split"] / medians["plugin"],
                "bytes": sizes,
                "size_ratio": sizes["plugin"] / sizes["anserini"],
                "identical_postings": len(set(digests.values())) == 1,
                "runs": seconds,
            }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--collections", nargs="+", default=list(COLLECTIONS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--heap", default="3g", help="JVM heap")
    args = parser.parse_args(argv)
    print(json.dumps(benchmark_indexing(tuple(args.collections), args.threads, args.repeats, heap=args.heap),
                     indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
