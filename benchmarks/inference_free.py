#!/usr/bin/env python
"""Inference-free query encoding: milliseconds per query (tokenize + table lookup, no transformer), against the
SPLADE query encoder and Pyserini's own query encoders, measured side by side on the same queries.

    python benchmarks/inference_free.py [--model outputs/train/splade-doc-tiny/model] [--collections scifact arguana]

Rows (per collection's judged test queries, one query per call as a search front end would do, and whole batches):

- ``inference-free (this tool)``: ``encoding/encoders/inference_free.py``; the query table of ``--model`` (an inference-free
  checkpoint) or, without ``--model``, IDF over the collection's corpus (same cost).
- ``tok-freq (Pyserini)``: Pyserini's ``TokFreqQueryEncoder`` (tokenize and count; no weights), the closest
  transformer-free path Pyserini has.
- ``SPLADE-tiny (this tool)`` and ``SPLADE-tiny (Pyserini)``: the transformer query encoders, for scale.

Figures are the best of ``--repeats`` passes, wall time and process CPU time, on ``--threads`` torch threads.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _best(repeats: int, work: Callable[[], Any]) -> dict[str, float]:
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return {"wall": min(wall), "cpu": min(cpu)}


def _per_query(timing: dict[str, float], n: int) -> dict[str, float]:
    return {"wall_ms": 1000 * timing["wall"] / n, "cpu_ms": 1000 * timing["cpu"] / n}


def benchmark(model: str | None = None, collections: Sequence[str] = ("scifact", "arguana"), repeats: int = 3,
              threads: int = 1, splade: bool = True, pyserini: bool = True) -> dict[str, Any]:
    """Per-query milliseconds of each query encoder on each collection's judged test queries."""
    import torch

    from lsr_lucene.collections import load_collection
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.encoding.encoders.checkpoint import describe
    from lsr_lucene.encoding.encoders.inference_free import InferenceFreeEncoder
    from lsr_lucene.models import resolve_model

    torch.set_num_threads(threads)
    results: dict[str, Any] = {"model": model or "idf over each corpus (splade-tiny tokenizer)", "threads": threads,
                               "repeats": repeats, "collections": {}}
    splade_ours = splade_theirs = tok_freq = None
    if splade:
        from lsr_lucene.encoding.encoders.splade import SpladeEncoder

        splade_ours = SpladeEncoder("splade-tiny", dtype="bf16", threads=threads)
    if pyserini:
        from lsr_lucene import jvm

        jvm.start()  # before any pyserini import: our JVM (Java 25), not pyserini's own lookup
        os.environ.setdefault("OPENAI_API_KEY", "unused")  # pyserini.encode imports need it set
        from pyserini.encode import SpladeQueryEncoder, TokFreqQueryEncoder

        tok_freq = TokFreqQueryEncoder(resolve_model("splade-tiny"))
        splade_theirs = SpladeQueryEncoder(resolve_model("splade-tiny")) if splade else None
    for name in collections:
        collection = load_collection(name)
        queries = [q.text for q in judged_queries(collection, "test")[0]]
        if model is not None:
            layout = describe(model)
            if layout.kind != "inference_free":
                raise SystemExit(f"{model} is not an inference-free checkpoint")
            encoder = InferenceFreeEncoder.from_checkpoint(str(layout.query_table), model)
        else:
            from transformers import AutoTokenizer

            encoder = InferenceFreeEncoder.from_corpus(AutoTokenizer.from_pretrained(resolve_model("splade-tiny")),
                                                       (d.contents for d in collection.docs_iter()))
        rows: dict[str, Any] = {}
        n = len(queries)
        rows["inference-free (this tool), one query per call"] = _per_query(
            _best(repeats, lambda: [encoder.encode([q]) for q in queries]), n)
        rows["inference-free (this tool), batch"] = _per_query(_best(repeats, lambda: encoder.encode(queries)), n)
        if tok_freq is not None:
            rows["tok-freq (Pyserini), one query per call"] = _per_query(
                _best(repeats, lambda: [tok_freq.encode(q) for q in queries]), n)
        sample = queries[:100]
        if splade_ours is not None:
            rows["SPLADE-tiny (this tool), one query per call"] = _per_query(
                _best(1, lambda: [splade_ours.encode([q]) for q in sample]), len(sample))
        if splade_theirs is not None:
            with torch.inference_mode():
                rows["SPLADE-tiny (Pyserini), one query per call"] = _per_query(
                    _best(1, lambda: [splade_theirs.encode(q, max_length=512) for q in sample]), len(sample))
        tokens = sum(len(x) for x in encoder.tokenize(queries, 512)[0]) / n
        nnz = sum(len(r.ids) for r in encoder.encode(queries)) / n
        results["collections"][name] = {"queries": n, "tokens_per_query": tokens, "nonzeros_per_query": nnz,
                                        "rows": rows}
    return results


def markdown(results: dict[str, Any]) -> str:
    lines = []
    for name, data in results["collections"].items():
        lines.append(f"\n{name}: {data['queries']} test queries, {data['tokens_per_query']:.1f} tokens and "
                     f"{data['nonzeros_per_query']:.1f} nonzeros per query\n")
        lines.append("| query encoder | ms/query (wall) | ms/query (CPU) |")
        lines.append("|---|---|---|")
        for label, row in data["rows"].items():
            lines.append(f"| {label} | {row['wall_ms']:.3f} | {row['cpu_ms']:.3f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="inference-free checkpoint (default: IDF over the corpus)")
    parser.add_argument("--collections", nargs="+", default=["scifact", "arguana"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-splade", action="store_true", help="skip the transformer query encoders")
    parser.add_argument("--no-pyserini", action="store_true", help="skip Pyserini's encoders")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    results = benchmark(args.model, args.collections, args.repeats, args.threads, not args.no_splade,
                        not args.no_pyserini)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
