#!/usr/bin/env python
"""The dense encoder (``lsr_lucene.encoding.encoders.dense``) against ``SentenceTransformer.encode`` on the same
texts: docs/s and vector agreement, side by side in one process.

    python benchmarks/dense_encoder.py [--collection scifact] [--docs 500] [--repeats 3] [--threads 2]
                                       [--batch-size 32]

The first ``--docs`` documents of the collection (title and text joined as the encode stage joins them) are
encoded by every side in turn, ``--repeats`` rounds, the side order rotating each round so that all see the same
load; the median time of each side counts. Sides: ``encoder-bf16`` / ``encoder-fp32`` (DenseEncoder, bf16 autocast
or fp32), ``st-fp32``, ``st-autocast-bf16`` (``encode`` under ``torch.autocast("cpu", dtype=torch.bfloat16)``) and
``st-bf16-weights`` (``model_kwargs={"torch_dtype": torch.bfloat16}``). Agreement: cosine of each side's vectors
to ``st-fp32``'s (min and mean). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MODEL = "all-MiniLM-L6-v2"


def sides(threads: int) -> dict[str, Callable[[list[str], int], Any]]:
    """Side name -> encode(texts, batch_size) returning a float32 [n, dim] matrix."""
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from lsr_lucene.encoding.encoders.dense import DenseEncoder
    from lsr_lucene.models import resolve_model

    location = resolve_model(MODEL)
    st = SentenceTransformer(location, device="cpu")
    st_bf16 = SentenceTransformer(location, device="cpu", model_kwargs={"torch_dtype": torch.bfloat16})
    encoders = {d: DenseEncoder(MODEL, dtype=d, threads=threads) for d in ("bf16", "fp32")}
    torch.set_num_threads(threads)

    def st_side(model: Any, autocast: bool) -> Callable[[list[str], int], Any]:
        def encode(texts: list[str], batch_size: int) -> Any:
            guard = torch.autocast("cpu", dtype=torch.bfloat16) if autocast else contextlib.nullcontext()
            with guard:
                vectors = model.encode(texts, batch_size=batch_size, convert_to_tensor=True)
            return vectors.float().numpy().astype(np.float32, copy=False)
        return encode

    return {"encoder-bf16": encoders["bf16"].encode, "encoder-fp32": encoders["fp32"].encode,
            "st-fp32": st_side(st, False), "st-autocast-bf16": st_side(st, True),
            "st-bf16-weights": st_side(st_bf16, False)}


def agreement(a: Any, b: Any) -> dict[str, float]:
    """Cosine similarity between matching rows of two vector matrices (min and mean)."""
    import numpy as np

    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {"min_cosine": round(float(cos.min()), 6), "mean_cosine": round(float(cos.mean()), 6)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", default="scifact")
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    from lsr_lucene.collections import load_collection

    texts = [d.contents for d in itertools.islice(load_collection(args.collection).docs_iter(), args.docs)]
    encoders = sides(args.threads)
    names = list(encoders)
    for encode in encoders.values():
        encode(texts[:args.batch_size], args.batch_size)  # warm up
    seconds: dict[str, list[float]] = {n: [] for n in names}
    vectors: dict[str, Any] = {}
    loads = [os.getloadavg()[0]]
    for round_ in range(args.repeats):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            started = time.perf_counter()
            vectors[name] = encoders[name](texts, args.batch_size)
            seconds[name].append(time.perf_counter() - started)
            loads.append(os.getloadavg()[0])
    median = {n: statistics.median(s) for n, s in seconds.items()}
    result = {"collection": args.collection, "docs": len(texts), "threads": args.threads,
              "batch_size": args.batch_size, "repeats": args.repeats, "model": MODEL,
              "load_average": {"min": min(loads), "max": max(loads)},
              "docs_per_s": {n: round(len(texts) / median[n], 2) for n in names},
              "seconds": {n: [round(s, 2) for s in seconds[n]] for n in names},
              "st_over_encoder": {"fp32": round(median["encoder-fp32"] / median["st-fp32"], 3),
                                  "bf16_autocast": round(median["encoder-bf16"] / median["st-autocast-bf16"], 3),
                                  "bf16_weights": round(median["encoder-bf16"] / median["st-bf16-weights"], 3)},
              "agreement_to_st_fp32": {n: agreement(vectors[n], vectors["st-fp32"]) for n in names}}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
