"""Dense vector shards: .npy + .docid files under a manifest, resumable to identical files, bad rows refused."""

import numpy as np
import pytest

from lsr_lucene.errors import ManifestError
from lsr_lucene.io.array_shards import ShardedArrayWriter, read_array_shards


def rows(n, dim=3):
    return [f"d{i}" for i in range(n)], np.arange(n * dim, dtype=np.float32).reshape(n, dim) / 7


def read_all(folder):
    ids, blocks = [], []
    for shard_ids, vectors in read_array_shards(folder, "test/dense"):
        ids += shard_ids
        blocks.append(np.asarray(vectors))
    return ids, np.concatenate(blocks)


def test_blocks_split_into_shards_and_read_back(tmp_path):
    ids, vectors = rows(25)
    writer = ShardedArrayWriter(tmp_path / "out", "test/dense", {"m": 1}, shard_size=10)
    writer.write_block(ids[:7], vectors[:7])
    writer.write({"id": ids[7], "vector": vectors[7]})
    writer.write_block(ids[8:], vectors[8:])
    manifest = writer.finish()
    assert [s["records"] for s in manifest["shards"]] == [10, 10, 5]
    assert manifest["dim"] == 3 and manifest["totals"] == {"records": 25}
    assert sorted(p.name for p in (tmp_path / "out" / "shards").iterdir()) == [
        f"part-0000{i}.{ext}" for i in range(3) for ext in ("docid", "npy")]
    got_ids, got = read_all(tmp_path / "out")
    assert got_ids == ids and np.array_equal(got, vectors)


def test_interrupted_run_resumes_to_identical_files(tmp_path):
    ids, vectors = rows(25)
    whole = ShardedArrayWriter(tmp_path / "whole", "test/dense", {}, shard_size=10)
    whole.write_block(ids, vectors)
    whole.finish()
    first = ShardedArrayWriter(tmp_path / "part", "test/dense", {}, shard_size=10)
    first.write_block(ids[:15], vectors[:15])
    first.abort()  # crash with half a shard pending: only shard 0 is kept
    second = ShardedArrayWriter(tmp_path / "part", "test/dense", {}, shard_size=10)
    assert second.records_done == 10
    second.write_block(ids[10:], vectors[10:])
    second.finish()
    for name in ("part-00000.npy", "part-00001.npy", "part-00002.npy", "part-00002.docid"):
        assert (tmp_path / "whole/shards" / name).read_bytes() == (tmp_path / "part/shards" / name).read_bytes()
    with pytest.raises(ManifestError, match="different config"):
        ShardedArrayWriter(tmp_path / "part", "test/dense", {"other": 1}, shard_size=10)


@pytest.mark.parametrize("ids, vectors, message", [
    (["a", "b\nc"], np.zeros((2, 3)), "line break"),
    (["a", " b"], np.zeros((2, 3)), "whitespace"),
    (["a", "b"], np.array([[0, 0, 0], [0, np.nan, 0]]), "'b' has NaN"),
    (["a"], np.zeros((2, 3)), "1 ids for vectors of shape"),
])
def test_bad_rows_are_refused(tmp_path, ids, vectors, message):
    writer = ShardedArrayWriter(tmp_path / "out", "test/dense", {}, shard_size=10)
    with pytest.raises(ValueError, match=message):
        writer.write_block(ids, vectors)


def test_a_changed_dimension_is_refused(tmp_path):
    writer = ShardedArrayWriter(tmp_path / "out", "test/dense", {}, shard_size=2)
    writer.write_block(["a", "b"], np.zeros((2, 3)))
    writer.write_block(["c"], np.zeros((1, 4)))
    with pytest.raises(ValueError, match="dimension 4 for an output of dimension 3"):
        writer.finish()


def test_a_truncated_shard_is_caught(tmp_path):
    ids, vectors = rows(4)
    writer = ShardedArrayWriter(tmp_path / "out", "test/dense", {}, shard_size=10)
    writer.write_block(ids, vectors)
    writer.finish()
    (tmp_path / "out/shards/part-00000.docid").write_text("d0\nd1\n")
    with pytest.raises(ManifestError, match="2 ids"):
        read_all(tmp_path / "out")
