"""Load: 10,000 queries (SciFact's test query vectors repeated) through `lsr-lucene search`, with its peak memory.

    python benchmarks/load.py [--work benchmarks/work] [--heap 1g]

Builds (or reuses) the SciFact SPLADE-tiny pipeline output under the work folder, then runs `lsr-lucene search`
in a child process for 1,000 and for 10,000 queries (k=1000, 2 threads) and reports queries/s and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from lsr_lucene.evaluation.load import peak_rss_mb, repeated_queries


def search(index: Path, queries: Path, run: Path, heap: str, k: int = 1000) -> dict:
    started = time.perf_counter()
    out, peak = peak_rss_mb(["search", "--index", str(index), "--queries", str(queries), "--output", str(run),
                             "--k", str(k), "--threads", "2", "--heap", heap])
    wall = time.perf_counter() - started
    stats = json.loads(out.strip().splitlines()[-1])
    return {"queries": stats["queries"], "queries_per_s": stats["queries_per_s"], "wall_s": round(wall, 1),
            "peak_rss_mb": peak}


def run(work: Path = Path("benchmarks/work"), heap: str = "1g", pipeline: Path | None = None) -> dict:
    """Peak RSS and queries/s of ``lsr-lucene search`` with 1,000 and 10,000 queries; ``pipeline`` is a finished
    (or to be made) ``lsr-lucene run`` folder of SciFact to reuse."""
    from lsr_lucene.cli.main import main

    out = pipeline or work / "scifact-splade-tiny"
    if not (out / "report.json").exists():
        main(["run", "--collection", "scifact", "--output", str(out), "--quiet", "--no-bm25"])
    result = {"heap": heap}
    for n in (1_000, 10_000):
        folder = repeated_queries(out / "query-vectors", n, work / f"load-queries-{n}")
        result[str(n)] = search(out / "index-impact", folder, work / f"load-{n}.trec", heap)
    result["peak_growth_mb"] = result["10000"]["peak_rss_mb"] - result["1000"]["peak_rss_mb"]
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path("benchmarks/work"))
    parser.add_argument("--heap", default="1g")
    args = parser.parse_args()
    print(json.dumps(run(args.work, args.heap), indent=2))
