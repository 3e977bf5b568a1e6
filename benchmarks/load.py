"""Load: 10,000 queries (SciFact's test query vectors repeated) through `lsr-lucene search`, with its peak memory.

    python benchmarks/load.py [--work benchmarks/work] [--heap 1g]

Builds (or reuses) the SciFact SPLADE-tiny pipeline output under the work folder, then runs `lsr-lucene search`
in a child process for 1,000 and for 10,000 queries (k=1000, 2 threads) and reports queries/s and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

PEAK = ("import resource, sys\n"
        "from lsr_lucene.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
        "sys.exit(code)\n")


def queries_folder(source: Path, n: int, out: Path) -> Path:
    from lsr_lucene.encoding.stages.sparse import QUERIES_KIND, read_vectors
    from lsr_lucene.io.shards import ShardedJsonlWriter

    if (out / "manifest.json").exists():
        return out
    base = list(read_vectors(source))
    writer = ShardedJsonlWriter(out, QUERIES_KIND, {"load": n}, shard_size=10**9)
    for i in range(n):
        qid, vector = base[i % len(base)]
        writer.write({"id": f"{qid}-{i}", "contents": "", "vector": vector})
    writer.finish()
    return out


def search(index: Path, queries: Path, run: Path, heap: str, k: int = 1000) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, "search", "--index", str(index), "--queries", str(queries),
                           "--output", str(run), "--k", str(k), "--threads", "2", "--heap", heap],
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    stats = json.loads(done.stdout.split("PEAK")[0].strip().splitlines()[-1])
    return {"queries": stats["queries"], "queries_per_s": stats["queries_per_s"], "wall_s": round(wall, 1),
            "peak_rss_mb": int(done.stdout.split("PEAK")[-1])}


def run(work: Path = Path("benchmarks/work"), heap: str = "1g", pipeline: Path | None = None) -> dict:
    """Peak RSS and queries/s of ``lsr-lucene search`` with 1,000 and 10,000 queries; ``pipeline`` is a finished
    (or to be made) ``lsr-lucene run`` folder of SciFact to reuse."""
    from lsr_lucene.cli.main import main

    out = pipeline or work / "scifact-splade-tiny"
    if not (out / "report.json").exists():
        main(["run", "--collection", "scifact", "--output", str(out), "--quiet", "--no-bm25"])
    result = {"heap": heap}
    for n in (1_000, 10_000):
        folder = queries_folder(out / "query-vectors", n, work / f"load-queries-{n}")
        result[str(n)] = search(out / "index-impact", folder, work / f"load-{n}.trec", heap)
    result["peak_growth_mb"] = result["10000"]["peak_rss_mb"] - result["1000"]["peak_rss_mb"]
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path("benchmarks/work"))
    parser.add_argument("--heap", default="1g")
    args = parser.parse_args()
    print(json.dumps(run(args.work, args.heap), indent=2))
