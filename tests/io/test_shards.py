import json

import pytest

from lsr_lucene.errors import ManifestError
from lsr_lucene.io.shards import ShardedJsonlWriter, completed_manifest


def records(n):
    return [{"id": str(i), "vector": {"t": i + 1}} for i in range(n)]


def test_shards_and_manifest(tmp_path):
    writer = ShardedJsonlWriter(tmp_path / "out", "test/kind", {"a": 1}, shard_size=4)
    for record in records(10):
        writer.write(record, {"postings": 1})
    manifest = writer.finish()
    assert [s["records"] for s in manifest["shards"]] == [4, 4, 2]
    assert manifest["totals"] == {"records": 10, "postings": 10}
    assert completed_manifest(tmp_path / "out", "test/kind")["complete"]
    lines = [json.loads(x) for p in writer.shard_paths() for x in p.read_text().splitlines()]
    assert lines == records(10)
    assert sorted(p.name for p in (tmp_path / "out" / "shards").iterdir()) == [
        "part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]


def test_interrupted_run_resumes_to_identical_files(tmp_path):
    whole = ShardedJsonlWriter(tmp_path / "whole", "k", {}, shard_size=3, compress=True)
    for record in records(8):
        whole.write(record)
    whole.finish()

    broken = ShardedJsonlWriter(tmp_path / "resumed", "k", {}, shard_size=3, compress=True)
    for record in records(5):  # dies inside the second shard
        broken.write(record)
    broken.abort()
    resumed = ShardedJsonlWriter(tmp_path / "resumed", "k", {}, shard_size=3, compress=True)
    assert resumed.records_done == 3
    for record in records(8)[resumed.records_done:]:
        resumed.write(record)
    resumed.finish()
    assert [p.read_bytes() for p in resumed.shard_paths()] == [p.read_bytes() for p in whole.shard_paths()]
    assert not list((tmp_path / "resumed" / "shards").glob(".*tmp"))


def test_resume_with_other_settings_is_refused(tmp_path):
    writer = ShardedJsonlWriter(tmp_path / "out", "k", {"model": "a"}, shard_size=2)
    writer.write(records(1)[0])
    writer.write(records(2)[1])
    with pytest.raises(ManifestError, match="different config"):
        ShardedJsonlWriter(tmp_path / "out", "k", {"model": "b"}, shard_size=2)


def test_unfinished_output_is_not_complete(tmp_path):
    writer = ShardedJsonlWriter(tmp_path / "out", "k", {}, shard_size=1)
    writer.write(records(1)[0])
    with pytest.raises(ManifestError, match="did not finish"):
        completed_manifest(tmp_path / "out", "k")
