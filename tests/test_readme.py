"""The Python code of the documentation runs as written: the README's Python tour, then every block of
docs/python.md, in order, in one fresh process, on a SciFact slice that the short name `scifact` resolves to
(through LSR_LUCENE_DATA)."""

import os
import subprocess
import sys
from pathlib import Path

from tests.test_docs import fenced

ROOT = Path(__file__).parent.parent
SLICE = Path(__file__).parent / "data" / "scifact-slice"


def readme_tour() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return fenced(readme.split("\n## Python tour\n", 1)[1].split("\n## ", 1)[0], "python")


def test_the_python_tour_and_docs_python_run(tmp_path):
    tour, page = readme_tour(), fenced((ROOT / "docs" / "python.md").read_text(encoding="utf-8"), "python")
    assert len(tour) >= 1 and len(page) >= 5
    blocks = [*tour, *page]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "scifact").symlink_to(SLICE)
    script = "\n".join(f"print('--- block {i}')\n{block}" for i, block in enumerate(blocks))
    env = {**os.environ, "LSR_LUCENE_DATA": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("--- block") == len(blocks)
    assert (tmp_path / "out" / "index").is_dir() and (tmp_path / "out" / "dense").is_dir()
