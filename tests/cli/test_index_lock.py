"""Two `lsr-lucene index` runs on one --index: the second fails at once naming the first, which finishes whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from lsr_lucene.io.vectors import DOCS_KIND

DOCS = 50


def index_cmd(vectors: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "lsr_lucene.cli.main", "index", "--vectors", str(vectors), "--index", str(index),
            "--quiet", "--threads", "1"]


def test_second_run_on_the_same_index_is_refused_and_the_first_finishes(tmp_path):
    vectors, index = tmp_path / "vectors", tmp_path / "index"
    (vectors / "shards").mkdir(parents=True)
    shard = vectors / "shards" / "docs-00000.jsonl"
    os.mkfifo(shard)  # the first run's indexer waits on it: it holds the index folder until the test writes
    (vectors / "manifest.json").write_text(json.dumps({
        "kind": DOCS_KIND, "complete": True, "config": {"test": "lock"},
        "shards": [{"file": "shards/docs-00000.jsonl", "records": DOCS, "sha256": "fifo"}],
        "totals": {"records": DOCS}}))
    first = subprocess.Popen(index_cmd(vectors, index), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 300
        while not list(tmp_path.glob(".index.*.tmp")) and first.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert first.poll() is None, first.communicate()
        try:
            second = subprocess.run(index_cmd(vectors, index), capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError("the second run did not stop: it went on to index the same folder") from exc
        assert second.returncode != 0
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and f"process {first.pid}" in lines[0] and str(index) in lines[0], second.stderr
        with open(shard, "w", encoding="utf-8") as out:
            for i in range(DOCS):
                out.write(json.dumps({"id": f"d{i}", "contents": "", "vector": {"a": 1 + i % 7, f"t{i}": 3}}) + "\n")
        out_, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, err
    assert json.loads(out_)["documents"] == DOCS
    manifest = json.loads((index / "manifest.json").read_text())
    assert manifest["complete"] and manifest["lucene"]["documents"] == DOCS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index", "vectors"]
