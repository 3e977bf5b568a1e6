#!/usr/bin/env python
"""Document encoding docs/s: ``lsr-lucene encode`` against ``python -m pyserini.encode`` (its SPLADE document
encoder), same model (SPLADE-tiny), same documents, same max length, batch size and torch threads, same output
format (JsonVectorCollection lines), runs alternated in one process tree.

    PYTHONPATH=. python benchmarks/encode.py [--docs 500] [--max-length 256] [--repeats 3] [--threads 2]

Each run is a child process (so its peak RSS is its own). Timed: from just before the command's entry point to its
end (model load, reading the corpus, encoding, writing), after the heavy imports (torch, transformers, pyserini,
lsr_lucene) and, for Pyserini, after booting the JVM that ``pyserini.encode`` needs. ``lsr-lucene encode`` runs
with its defaults (bf16 vocabulary projection) except for the shared settings; Pyserini runs
``--encoder-class splade --device cpu`` without ``--fp16``. Both read the first ``--docs`` SciFact documents (title
and text). Agreement: Pyserini quantizes ``round(w * 256 / 5)``, lsr-lucene ``round(w * 100)``; both are turned back
into float weights and compared term by term (a term missing on one side counts as 0), in lsr-lucene impact units.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "work"
PYSERINI_SCALE = 256 / 5
"""Pyserini's SPLADE encoder writes ``round(weight / 5 * 256)``."""


def subset(source: Path, n: int, out: Path) -> Path:
    """The first ``n`` lines of ``source`` in ``out`` (written once)."""
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(source, encoding="utf-8") as lines:
            head = list(itertools.islice(lines, n))
        tmp = out.with_suffix(".tmp")
        tmp.write_text("".join(head), encoding="utf-8")
        tmp.replace(out)
    return out


def _usage() -> dict[str, float]:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}


def _child(side: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one side in this (child) process; timings, CPU seconds and peak RSS."""
    import runpy

    import torch

    torch.set_num_threads(spec["threads"])
    if side == "pyserini":
        os.environ.setdefault("OPENAI_API_KEY", "unused")  # pyserini.encode imports openai eagerly
        from lsr_lucene import jvm

        jvm.start()
        import pyserini.encode  # noqa: F401  (imported before the clock starts, like lsr_lucene below)

        sys.argv = ["pyserini.encode", "input", "--corpus", spec["corpus"], "--fields", "title", "text",
                    "output", "--embeddings", spec["output"],
                    "encoder", "--encoder", spec["model"], "--encoder-class", "splade", "--fields", "title", "text",
                    "--max-length", str(spec["max_length"]), "--batch-size", str(spec["batch_size"]),
                    "--device", spec.get("device", "cpu")] + spec.get("extra", [])
        call = lambda: runpy.run_module("pyserini.encode", run_name="__main__")  # noqa: E731
    else:
        import transformers  # noqa: F401

        import lsr_lucene.encoding.encoders.splade  # noqa: F401
        from lsr_lucene.cli.main import main

        args = ["encode", "--collection", spec["corpus"], "--output", spec["output"], "--model", spec["model"],
                "--max-length", str(spec["max_length"]), "--batch-size", str(spec["batch_size"]),
                "--threads", str(spec["threads"]), "--quiet"] + spec.get("extra", [])
        call = lambda: main(args)  # noqa: E731
    before = _usage()
    started = time.perf_counter()
    call()
    wall = time.perf_counter() - started
    after = _usage()
    return {"wall": wall, "cpu": after["cpu"] - before["cpu"], "rss_before_mb": before["peak_rss_mb"],
            "peak_rss_mb": after["peak_rss_mb"]}


def _spawn(side: str, spec: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(":"),
               TOKENIZERS_PARALLELISM="false")
    load = os.getloadavg()[0]
    done = subprocess.run([sys.executable, __file__, "--child", side, json.dumps(spec)], env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise RuntimeError(f"{side} encode failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_before"] = load
    result["load_after"] = os.getloadavg()[0]
    return result


def _weights(path: Path, scale: float, limit: int | None = None) -> dict[str, dict[str, float]]:
    """doc id -> term -> float weight of the first ``limit`` (default: all) lines of a vectors file."""
    from lsr_lucene.io.jsonl import read_jsonl

    return {str(r["id"]): {t: w / scale for t, w in r["vector"].items() if w > 0}
            for _, r in itertools.islice(read_jsonl(path), limit)}


def shard_weights(folder: Path, scale: float = 100.0, limit: int | None = None) -> dict[str, dict[str, float]]:
    """The float weights, recovered from the integer impacts, of the first ``limit`` (default: all) documents of an
    ``lsr-lucene encode`` output."""
    from lsr_lucene.io.manifest import read_manifest

    weights: dict[str, dict[str, float]] = {}
    for shard in read_manifest(folder)["shards"]:
        left = None if limit is None else limit - len(weights)
        if left == 0:
            break
        weights.update(_weights(folder / shard["file"], scale, left))
    return weights


def agreement(ours: Path, theirs: Path) -> dict[str, Any]:
    """Term-by-term difference of the float weights (recovered from each side's integers), in our impact units."""
    check = compare_weights(shard_weights(ours), _weights(theirs, PYSERINI_SCALE), ("lsr-lucene", "pyserini"))
    check["quantization_bound_units"] = 0.5 + 0.5 * 100 / PYSERINI_SCALE
    return check


def compare_weights(a: dict[str, dict[str, float]], b: dict[str, dict[str, float]],
                    names: tuple[str, str] = ("a", "b")) -> dict[str, Any]:
    """Term-by-term |difference| of two encodings' float weights (doc id -> term -> weight; a term missing on one
    side counts as 0) in impact units of 1/100, the mean Jaccard of each document's top-10 terms, and each side's
    (``names``) postings per document."""
    import numpy as np

    if set(a) != set(b):
        raise RuntimeError(f"the two sides encoded different documents ({len(a)} vs {len(b)} ids)")
    diffs, top_overlap = [], []
    for doc_id, va in a.items():
        vb = b[doc_id]
        diffs.extend(abs(va.get(t, 0.0) - vb.get(t, 0.0)) * 100 for t in va.keys() | vb.keys())
        top_a = set(sorted(va, key=va.get, reverse=True)[:10])
        top_b = set(sorted(vb, key=vb.get, reverse=True)[:10])
        top_overlap.append(len(top_a & top_b) / max(1, len(top_a | top_b)))
    d = np.asarray(diffs)
    return {"docs": len(a), "terms_compared": int(d.size), "mean_abs_diff_units": float(d.mean()),
            "p999_abs_diff_units": float(np.quantile(d, 0.999)), "max_abs_diff_units": float(d.max()),
            "top10_jaccard_mean": float(np.mean(top_overlap)),
            "postings_per_doc": {names[0]: sum(map(len, a.values())) / len(a),
                                 names[1]: sum(map(len, b.values())) / len(b)}}


def run(work: Path = WORK, docs: int = 500, repeats: int = 3, threads: int = 2, max_length: int = 256,
        batch_size: int = 32, collection: str = "scifact") -> dict[str, Any]:
    """Both sides ``repeats`` times, alternating which goes first; medians, ratio and agreement."""
    from lsr_lucene.collections.resolve import find_local
    from lsr_lucene.models import resolve_model

    folder = work / "encode"
    source = find_local(collection)
    if source is None:
        raise RuntimeError(f"collection {collection!r} not found in the shared data folders")
    corpus = subset(source / "corpus.jsonl", docs, folder / f"{collection}-{docs}.jsonl")
    if not corpus.stat().st_size:
        raise RuntimeError(f"no documents in {corpus}")
    base = {"corpus": str(corpus), "model": str(resolve_model("splade-tiny")), "max_length": max_length,
            "batch_size": batch_size, "threads": threads}
    runs: dict[str, list[dict[str, Any]]] = {"lsr-lucene": [], "pyserini": []}
    for repeat in range(repeats):
        order = ["lsr-lucene", "pyserini"] if repeat % 2 == 0 else ["pyserini", "lsr-lucene"]
        for side in order:
            out = folder / f"out-{side}-{repeat}"
            _remove(out)
            spec = dict(base, output=str(out))
            runs[side].append(_spawn("ours" if side == "lsr-lucene" else "pyserini", spec))
    check = agreement(folder / "out-lsr-lucene-0", folder / "out-pyserini-0" / "embeddings.jsonl")
    n = sum(1 for _ in open(corpus, encoding="utf-8"))
    sides = {}
    for side, rows in runs.items():
        wall = statistics.median(r["wall"] for r in rows)
        sides[side] = {"docs_per_s": n / wall, "wall_s": wall, "cpu_s": statistics.median(r["cpu"] for r in rows),
                       "peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
                       "rss_before_mb": max(r["rss_before_mb"] for r in rows), "runs": rows}
    return {"name": "encode", "ratios": {"encode docs/s": sides["lsr-lucene"]["docs_per_s"]
                                         / sides["pyserini"]["docs_per_s"],
                                         "encode peak RSS": sides["pyserini"]["peak_rss_mb"]
                                         / sides["lsr-lucene"]["peak_rss_mb"]},
            "collection": collection, "docs": n, "max_length": max_length,
            "batch_size": batch_size, "threads": threads, "repeats": repeats, "sides": sides,
            "ratio": sides["lsr-lucene"]["docs_per_s"] / sides["pyserini"]["docs_per_s"],
            "cpu_ratio": sides["pyserini"]["cpu_s"] / sides["lsr-lucene"]["cpu_s"],
            "agreement": check, "load": [r["load_before"] for rows in runs.values() for r in rows],
            "command": (f"PYTHONPATH=. python benchmarks/encode.py --docs {docs} --max-length {max_length} "
                        f"--batch-size {batch_size} --threads {threads} --repeats {repeats}")}


def _remove(path: Path) -> None:
    import shutil

    if path.exists():
        shutil.rmtree(path)


def markdown(result: dict[str, Any]) -> str:
    s, a = result["sides"], result["agreement"]
    lines = [
        f"First {result['docs']} {result['collection']} documents (title + text), SPLADE-tiny, max length "
        f"{result['max_length']}, batch size {result['batch_size']}, {result['threads']} torch threads, "
        f"median of {result['repeats']} alternated runs (each a child process; model load, reading and writing "
        f"included). Load average (2 cores, shared) before each run: {min(result['load']):.1f} to "
        f"{max(result['load']):.1f}.",
        "",
        "| side | docs/s | wall s | CPU s | peak RSS MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, label in (("pyserini", "`python -m pyserini.encode` (SPLADE, fp32) — anchor"),
                        ("lsr-lucene", "`lsr-lucene encode` (defaults: bf16 projection)")):
        r = s[name]
        lines.append(f"| {label} | {r['docs_per_s']:.1f} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
                     f"{r['peak_rss_mb']:.0f} |")
    lines += [
        "",
        f"**Ratio: {result['ratio']:.2f}x the docs/s of pyserini.encode** (CPU time ratio "
        f"{result['cpu_ratio']:.2f}x).",
        "",
        f"Agreement on {a['docs']} documents, {a['terms_compared']:,} terms (weights recovered from each side's "
        f"integers, in lsr-lucene impact units of 1/100): mean |diff| {a['mean_abs_diff_units']:.2f}, "
        f"99.9th percentile {a['p999_abs_diff_units']:.2f}, max {a['max_abs_diff_units']:.2f} (the two "
        f"quantizations alone allow {a['quantization_bound_units']:.2f}, plus up to 2 for lsr-lucene's bf16 projection, "
        f"see tests/encoding/encoders/test_splade.py); mean top-10 term Jaccard "
        f"{a['top10_jaccard_mean']:.3f}; postings per doc {a['postings_per_doc']['lsr-lucene']:.1f} (lsr-lucene) vs "
        f"{a['postings_per_doc']['pyserini']:.1f} (Pyserini, which drops weights below 5/512 by rounding).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "SPEC"), help=argparse.SUPPRESS)
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=WORK)
    args = parser.parse_args(argv)
    if args.child:
        sys.path.insert(0, str(REPO))
        print(json.dumps(_child(args.child[0], json.loads(args.child[1]))))
        return 0
    result = run(args.work, args.docs, args.repeats, args.threads, args.max_length, args.batch_size)
    print(markdown(result))
    print(json.dumps({k: v for k, v in result.items() if k != "sides"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
