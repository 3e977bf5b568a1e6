"""Lucene 9.9.1 against Lucene 10.5.0: the indexing and search benchmarks (plugin and Anserini/Pyserini) run once
under each supported stack, on the same SPLADE-tiny vectors, one after the other in one run.

    PYTHONPATH=. python -m benchmarks.lucene_versions [--collections scifact] [--repeats 1]

Each stack runs in its own child process with its own virtual environment (``.venv``: Pyserini 1.6.0;
``.venv-pyserini24``: Pyserini 2.4.0, made by ``./setup.sh --pyserini 2.4.0``); a stack whose environment is
missing is skipped. The vectors are encoded once in ``work/`` and shared; each stack builds its own indexes in
``work/lucene-<version>/``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks._work import WORK, encoded

REPO = Path(__file__).resolve().parents[1]
STACKS = {"Lucene 9.9.1 (Pyserini 1.6.0)": ".venv", "Lucene 10.5.0 (Pyserini 2.4.0)": ".venv-pyserini24"}
CHILD = """
import json, sys
from pathlib import Path
from benchmarks.indexing import benchmark_indexing
from benchmarks.search import benchmark_search
from lsr_lucene import jvm
spec = json.loads(sys.argv[1])
work = Path(spec["work"]) / f"lucene-{jvm.lucene_version()}"
for collection in spec["collections"]:
    for name in ("vectors", "query-vectors"):
        link = work / collection / name
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(Path(spec["work"]) / collection / name)
out = {"lucene": jvm.lucene_version(),
       "indexing": benchmark_indexing(tuple(spec["collections"]), 2, spec["repeats"], work=work),
       "search": benchmark_search(tuple(spec["collections"]), 2, 1000, spec["repeats"], work=work)}
print("RESULT " + json.dumps(out))
"""


def run(work: Path = WORK, collections: tuple[str, ...] = ("scifact",), repeats: int = 1) -> dict[str, Any]:
    for collection in collections:  # encode once, in this process's stack, for both
        encoded(collection, work)
        encoded(collection, work, queries=True)
    spec = json.dumps({"work": str(work), "collections": list(collections), "repeats": repeats})
    stacks: dict[str, Any] = {}
    for label, venv in STACKS.items():
        python = REPO / venv / "bin" / "python"
        if not python.exists():
            print(f"{label}: {python} missing, skipped", file=sys.stderr)
            continue
        done = subprocess.run([str(python), "-c", CHILD, spec], cwd=REPO, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode != 0 or not lines:
            raise RuntimeError(f"{label} failed:\n{done.stderr[-3000:]}")
        stacks[label] = json.loads(lines[-1][len("RESULT "):])
    return {"collections": list(collections), "repeats": repeats, "stacks": stacks,
            "command": "PYTHONPATH=. python -m benchmarks.lucene_versions"}


def markdown(result: dict[str, Any]) -> str:
    rows = ["| stack | collection | index: plugin | index: Anserini | search k=1000: plugin | search: Pyserini "
            "`LuceneImpactSearcher` |", "|---|---|---:|---:|---:|---:|"]
    for label, stack in result["stacks"].items():
        for collection in result["collections"]:
            index = stack["indexing"][collection]["seconds"]
            search = stack["search"][collection]["queries_per_s"]
            rows.append(f"| {label} | {collection} | {index['plugin']:.2f} s | {index['anserini']:.2f} s | "
                        f"{search['plugin']:.0f} q/s | {search['pyserini']:.0f} q/s |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--collections", nargs="+", default=["scifact"])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    result = run(collections=tuple(args.collections), repeats=args.repeats)
    print(json.dumps(result, indent=2))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
