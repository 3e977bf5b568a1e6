"""Load figures: many queries made from few (a query vectors folder repeated), and the peak memory of a command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Sequence

_PEAK = ("import resource, sys\n"
         "from lsr_lucene.cli.main import main\n"
         "code = main(sys.argv[1:])\n"
         "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
         "sys.exit(code)\n")


def repeated_queries(source: Path, n: int, out: Path) -> Path:
    """A query vectors folder at ``out`` of ``n`` queries: those of the encode output ``source``, repeated, with ids
    made unique (kept when already there)."""
    from ..io.jsonl import read_jsonl
    from ..io.manifest import read_manifest
    from ..io.shards import ShardedJsonlWriter, completed_manifest

    if (out / "manifest.json").exists():
        return out
    kind = read_manifest(source).get("kind", "")
    base = [record for shard in completed_manifest(source, kind)["shards"]
            for _, record in read_jsonl(source / shard["file"])]
    writer = ShardedJsonlWriter(out, kind, {"load": n}, shard_size=10**9)
    for i in range(n):
        record = base[i % len(base)]
        writer.write({"id": f"{record['id']}-{i}", "contents": "", "vector": record["vector"]})
    writer.finish()
    return out


def peak_rss_mb(argv: Sequence[str]) -> tuple[str, int]:
    """Run ``lsr-lucene argv`` in a child process: (its standard output, its peak resident memory in MiB)."""
    done = subprocess.run([sys.executable, "-c", _PEAK, *argv], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"lsr-lucene {' '.join(argv)} failed: {done.stderr.strip()[-2000:]}")
    out, peak = done.stdout.rsplit("PEAK", 1)
    return out, int(peak)
