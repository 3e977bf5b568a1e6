"""SIGKILL the encoder at several records (the writer stops itself there, the test kills it); resuming must give
output identical to an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lsr_lucene.io.manifest import sha256_file
from lsr_lucene.io.shards import PAUSE_AT_RECORD

SHARD = 20


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, splade_tiny):
    from lsr_lucene.collections.beir import BeirCollection
    from lsr_lucene.collections.resolve import find_local

    docs = BeirCollection(find_local("scifact")).docs_iter()
    path = tmp_path_factory.mktemp("faults") / "docs.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for _ in range(10 * SHARD + 7):
            doc = next(docs)
            out.write(json.dumps({"_id": doc.id, "title": doc.title, "text": doc.text}) + "\n")
    return path


def encode_cmd(corpus: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "lsr_lucene.cli.main", "encode", "--collection", str(corpus), "--output", str(out),
            "--shard-size", str(SHARD), "--max-length", "128", "--quiet", "--threads", "1"]


def shards_done(out: Path) -> int:
    try:
        return len(json.loads((out / "manifest.json").read_text())["shards"])
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def kill_at(cmd: list[str], out: Path, record: int) -> int:
    """Run ``cmd`` until it stops itself before writing ``record``, SIGKILL it there; the shards finished then."""
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, PAUSE_AT_RECORD: str(record)})
    deadline, (pid, status) = time.time() + 600, (0, 0)
    while pid == 0 and time.time() < deadline:
        time.sleep(0.05)
        pid, status = os.waitpid(process.pid, os.WUNTRACED | os.WNOHANG)
    if not (pid and os.WIFSTOPPED(status)):
        process.kill()
        raise AssertionError(f"the encoder did not stop before record {record} (status {status})")
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    return shards_done(out)


def fingerprint(out: Path) -> tuple[list[str], list[str]]:
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"]
    files = [out / s["file"] for s in manifest["shards"]]
    ids = [json.loads(line)["id"] for f in files for line in f.read_text().splitlines()]
    return [sha256_file(f) for f in files], ids


def test_killed_encoding_resumes_to_identical_output(corpus, tmp_path):
    subprocess.run(encode_cmd(corpus, tmp_path / "whole"), check=True, capture_output=True)
    expected_hashes, expected_ids = fingerprint(tmp_path / "whole")
    assert len(expected_ids) == 10 * SHARD + 7 == len(set(expected_ids))

    out = tmp_path / "killed"
    cmd = encode_cmd(corpus, out)
    kills = {0: 0, 45: 2, 100: 5, 199: 9}  # record -> shards finished by then (mid-shard kills leave a partial one)
    assert [kill_at(cmd, out, record) for record in kills] == list(kills.values())
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    hashes, ids = fingerprint(out)
    assert ids == expected_ids  # no duplicate, no missing document, same order
    assert hashes == expected_hashes  # byte-identical shards
    assert not list((out / "shards").glob(".*"))  # no temporary files left behind
