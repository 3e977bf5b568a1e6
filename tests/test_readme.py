"""The README's Python section runs as written: its blocks, in order, in a fresh process, on a SciFact slice that
the short name `scifact` resolves to (through LSR_LUCENE_DATA)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
SLICE = Path(__file__).parent / "data" / "scifact-slice"


def python_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_readme_python_section_runs(tmp_path):
    blocks = python_blocks()
    assert len(blocks) >= 5
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "scifact").symlink_to(SLICE)
    script = "\n".join(f"print('--- block {i}')\n{block}" for i, block in enumerate(blocks))
    env = {**os.environ, "LSR_LUCENE_DATA": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("--- block") == len(blocks)
    assert (tmp_path / "out" / "index").is_dir() and (tmp_path / "out" / "dense").is_dir()
