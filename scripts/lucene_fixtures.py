#!/usr/bin/env python
"""Write the small impact index that tests/indexing/test_lucene_versions.py opens under the other Lucene version:
``tests/data/impact-lucene-<version>/``, the java/ plugin's index of ``tests/data/impact-vectors.jsonl`` (one
segment, one thread), by whichever stack runs this script.

    .venv/bin/python scripts/lucene_fixtures.py              # Pyserini 1.6: Lucene 9.9.1
    .venv-pyserini24/bin/python scripts/lucene_fixtures.py   # Pyserini 2.4: Lucene 10.5.0
"""

from __future__ import annotations

import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
VECTORS = DATA / "impact-vectors.jsonl"


def main() -> int:
    from lsr_lucene import jvm
    from lsr_lucene.indexing.plugin import index_vector_files

    lucene = jvm.autoclass("org.lsrlucene.PluginInfo").luceneVersion()
    out = DATA / f"impact-lucene-{lucene}"
    shutil.rmtree(out, ignore_errors=True)
    counters = index_vector_files([VECTORS], out, threads=1, progress=False, optimize=True)
    (out / "write.lock").unlink(missing_ok=True)  # left by Lucene after close; not part of the index
    print(f"{out}: {counters}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
