#!/usr/bin/env python
"""bf16 against fp32 dense encoding: speed side by side on one document sample, vector agreement, and (``--full``)
nDCG@10 of exact inner-product search over the whole collection encoded each way.

    python benchmarks/dense_dtype.py scifact [--work benchmarks/work/scifact] [--sample 256] [--repeats 3]
                                             [--threads 1] [--full]

Speed: the same seeded document sample is encoded with each dtype in turn, ``--repeats`` times (alternating, so
both see the same load); the best time of each counts. ``--full`` reuses the bf16 vectors of
``lsr-lucene run --hybrid dense --output <work>`` (``<work>/dense/vectors``) and writes fp32 ones beside them
(``dense/vectors-fp32``,
resumable), encodes the test queries both ways and searches exactly (numpy), with the collection's BEIR convention.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DTYPES = ("bf16", "fp32")


def speed(docs: list[Any], repeats: int, threads: int, batch_size: int = 32) -> tuple[dict[str, Any], dict]:
    """Per dtype: best seconds, docs/s and tokens/s over ``repeats`` alternating passes; and the vectors."""
    from lsr_lucene.encoding.stages.dense import DenseEncodeConfig, make_dense_encoder
    from lsr_lucene.encoding.encoders.splade import EncodeStats

    encoders = {d: make_dense_encoder(DenseEncodeConfig(dtype=d), threads) for d in DTYPES}
    texts = [d.contents for d in docs]
    for encoder in encoders.values():
        encoder.encode(texts[:batch_size], batch_size)  # warm up
    best = {d: float("inf") for d in DTYPES}
    vectors, tokens = {}, 0
    for _ in range(repeats):
        for dtype, encoder in encoders.items():
            stats = EncodeStats()
            started = time.perf_counter()
            vectors[dtype] = encoder.encode(texts, batch_size, stats=stats)
            best[dtype] = min(best[dtype], time.perf_counter() - started)
            tokens = stats.tokens
    result = {d: {"seconds": best[d], "docs_per_s": len(texts) / best[d], "tokens_per_s": tokens / best[d]}
              for d in DTYPES}
    return result, vectors


def agreement(a: Any, b: Any) -> dict[str, float]:
    """Cosine similarity between matching rows of two vector matrices (min and mean)."""
    import numpy as np

    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {"min_cosine": float(cos.min()), "mean_cosine": float(cos.mean())}


def full_ndcg(collection_name: str, work: Path, threads: int, k: int = 1000) -> dict[str, Any]:
    """nDCG@10 and R@100 of exact search over the collection, per dtype (documents and queries the same dtype)."""
    import numpy as np

    from lsr_lucene.collections import load_collection
    from lsr_lucene.collections.beir import corpus_line_count
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.encoding.stages.sparse import EncodeSettings
    from lsr_lucene.encoding.stages.dense import DenseEncodeConfig, encode_dense_documents, make_dense_encoder
    from lsr_lucene.evaluation.measures import evaluate
    from lsr_lucene.io.array_shards import read_array_shards
    from lsr_lucene.types import Hit

    collection = load_collection(collection_name)
    queries, qrels = judged_queries(collection, "test")
    result: dict[str, Any] = {}
    for dtype in DTYPES:
        folder = work / "dense" / ("vectors" if dtype == "bf16" else f"vectors-{dtype}")
        config = DenseEncodeConfig(dtype=dtype)
        settings = EncodeSettings(threads=threads, shard_size=2048)
        manifest = encode_dense_documents(collection.docs_iter(), folder, config, settings,
                                          total=corpus_line_count(collection))
        assert manifest["config"]["dtype"] == dtype, f"{folder} holds {manifest['config']['dtype']} vectors"
        ids, blocks = [], []
        for shard_ids, shard in read_array_shards(folder, "lsr-lucene/dense-vectors", mmap=False):
            ids += shard_ids
            blocks.append(shard)
        matrix = np.concatenate(blocks)
        query_vectors = make_dense_encoder(config, threads).encode([q.text for q in queries], 64, queries=True)
        scores = query_vectors @ matrix.T
        run = {}
        for query, row in zip(queries, scores):
            top = np.argsort(-row, kind="stable")[:k + 1]
            hits = [Hit(ids[i], float(row[i])) for i in top.tolist()]
            if collection.remove_query_hits:
                hits = [h for h in hits if h.doc_id != query.id]
            run[query.id] = hits[:k]
        result[dtype] = {**evaluate(run, qrels, ["nDCG@10", "R@100"]),
                         "encode_seconds": manifest.get("encode_stats", {}).get("seconds")}
        result[dtype]["_vectors"] = query_vectors
    result["query_agreement"] = agreement(result["bf16"].pop("_vectors"), result["fp32"].pop("_vectors"))
    result["ndcg_difference"] = result["bf16"]["nDCG@10"] - result["fp32"]["nDCG@10"]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("collection", nargs="?", default="scifact")
    parser.add_argument("--work", default=None)
    parser.add_argument("--sample", type=int, default=256, help="documents timed")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--full", action="store_true", help="also nDCG@10 over the whole collection, both dtypes")
    args = parser.parse_args()
    from lsr_lucene.collections import load_collection

    docs = list(load_collection(args.collection).docs_iter())
    sample = random.Random(0).sample(docs, min(args.sample, len(docs)))
    timing, vectors = speed(sample, args.repeats, args.threads)
    result: dict[str, Any] = {"collection": args.collection, "sample": len(sample), "threads": args.threads,
                              "repeats": args.repeats, "load_average": os.getloadavg()[0], "speed": timing,
                              "bf16_speedup": timing["fp32"]["seconds"] / timing["bf16"]["seconds"],
                              "document_agreement": agreement(vectors["bf16"], vectors["fp32"])}
    if args.full:
        work = Path(args.work or REPO / "benchmarks" / "work" / args.collection)
        result["search"] = full_ndcg(args.collection, work, args.threads)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
