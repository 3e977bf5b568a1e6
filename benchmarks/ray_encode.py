"""Ray encoding speed-up: the same documents encoded by 1 and by 2 Ray workers (one torch thread each), beside the
single-process path with 1 and 2 threads, on this machine.

    python benchmarks/ray_encode.py [--docs 1000] [--collection scifact] [--work benchmarks/work/ray]

Each worker count runs on a fresh local Ray instance (``ray.init(num_cpus=workers)``); model loading and Ray start-up
are outside the timed part (a warm-up shard is encoded first). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from itertools import islice
from pathlib import Path


def run(collection: str, n_docs: int, work: Path, shard_size: int = 100) -> dict:
    from lsr_lucene.collections import BadInput, load_collection
    from lsr_lucene.distributed.ray_encode import encode_documents_ray, init_ray
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents

    docs = list(islice(load_collection(collection, BadInput("fail")).docs_iter(), n_docs))
    config = EncodeConfig(max_length=256)
    result: dict = {"collection": collection, "docs": len(docs), "max_length": 256, "shard_size": shard_size,
                    "cpus": os.cpu_count()}
    shutil.rmtree(work, ignore_errors=True)
    for threads in (1, 2):
        settings = EncodeSettings(shard_size=shard_size, threads=threads, progress=False)
        encode_documents(docs[:shard_size], work / f"warm-{threads}", config, settings)
        started = time.perf_counter()
        encode_documents(docs, work / f"single-{threads}", config, settings)
        result[f"single_{threads}_thread_docs_per_s"] = round(len(docs) / (time.perf_counter() - started), 1)
    for workers in (1, 2):
        ray = init_ray("local", workers)
        settings = EncodeSettings(shard_size=shard_size, threads=1, progress=False)
        encode_documents_ray(docs[:shard_size * workers], work / f"warm-ray-{workers}", config, "local", settings,
                             workers)
        started = time.perf_counter()
        encode_documents_ray(docs, work / f"ray-{workers}", config, "local", settings, workers)
        result[f"ray_{workers}_workers_docs_per_s"] = round(len(docs) / (time.perf_counter() - started), 1)
        ray.shutdown()
    sums = {name: [s["sha256"] for s in json.loads((work / name / "manifest.json").read_text())["shards"]]
            for name in ("single-1", "ray-1", "ray-2")}
    result["identical_to_single_process"] = sums["ray-1"] == sums["single-1"] == sums["ray-2"]
    result["speedup_2_workers_over_1"] = round(result["ray_2_workers_docs_per_s"] / result["ray_1_workers_docs_per_s"], 2)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--collection", default="scifact")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=Path("benchmarks/work/ray"))
    args = parser.parse_args()
    print(json.dumps(run(args.collection, args.docs, args.work), indent=2))
