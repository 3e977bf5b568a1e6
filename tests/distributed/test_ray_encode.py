"""Encoding on Ray writes exactly the single-process output: local Ray, a real two-node cluster on loopback, and a
resume after bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO, SLICE

pytest.importorskip("ray")

SHARD = 20  # the SciFact slice: 100 documents -> 5 shards


def shard_sums(folder: Path) -> list[tuple[str, int, str]]:
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"]
    return [(s["file"], s["records"], s["sha256"]) for s in manifest["shards"]]


@pytest.fixture(scope="module")
def slice_docs():
    from lsr_lucene.collections import BadInput, load_collection

    return list(load_collection(str(SLICE), BadInput("fail")).docs_iter())


@pytest.fixture(scope="module")
def settings():
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings

    return EncodeConfig(max_length=256), EncodeSettings(shard_size=SHARD, threads=1, progress=False)


@pytest.fixture(scope="module")
def single(slice_docs, settings, splade_tiny, tmp_path_factory) -> Path:
    from lsr_lucene.encoding.stages.sparse import encode_documents

    out = tmp_path_factory.mktemp("single") / "vectors"
    encode_documents(slice_docs, out, *settings)
    return out


@pytest.fixture(scope="module")
def local_ray():
    from lsr_lucene.distributed.ray_encode import init_ray

    ray = init_ray("local", 2)
    yield ray
    ray.shutdown()


def test_local_ray_output_equals_single_process(local_ray, slice_docs, settings, single, tmp_path):
    from lsr_lucene.distributed.ray_encode import encode_documents_ray

    manifest = encode_documents_ray(slice_docs, tmp_path / "vectors", settings[0], "local", settings[1], workers=2)
    assert manifest["totals"]["records"] == len(slice_docs) == 100
    assert shard_sums(tmp_path / "vectors") == shard_sums(single)
    assert manifest["encode_stats"]["texts"] == 100


def test_bad_input_keeps_the_finished_shards_and_a_rerun_completes(local_ray, slice_docs, settings, single, tmp_path):
    from lsr_lucene.distributed.ray_encode import encode_documents_ray
    from lsr_lucene.errors import CorpusFormatError

    def broken():
        yield from slice_docs[:50]
        raise CorpusFormatError("corpus.jsonl", "bad line", 51)

    out = tmp_path / "vectors"
    with pytest.raises(CorpusFormatError, match="corpus.jsonl:51"):
        encode_documents_ray(broken(), out, settings[0], "local", settings[1], workers=2)
    kept = json.loads((out / "manifest.json").read_text())
    assert not kept["complete"] and [s["records"] for s in kept["shards"]] == [SHARD, SHARD]
    first = {p.name: p.stat().st_ino for p in (out / "shards").glob("part-0000[01].jsonl")}
    encode_documents_ray(slice_docs, out, settings[0], "local", settings[1], workers=2)
    assert shard_sums(out) == shard_sums(single)
    assert {p.name: p.stat().st_ino for p in (out / "shards").glob("part-0000[01].jsonl")} == first  # not redone


@pytest.fixture()
def cluster(local_ray):
    """A head node and a worker node (one CPU each) started with `ray start` on 127.0.0.1."""
    local_ray.shutdown()
    ray_cli = shutil.which("ray", path=str(Path(sys.executable).parent))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    port = "6391"
    common = ["--num-cpus", "1", "--disable-usage-stats"]
    subprocess.run([ray_cli, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", port,
                    "--include-dashboard", "false", *common], env=env, check=True, capture_output=True)
    try:
        subprocess.run([ray_cli, "start", "--address", f"127.0.0.1:{port}", "--node-ip-address", "127.0.0.1",
                        *common], env=env, check=True, capture_output=True)
        yield f"127.0.0.1:{port}", env
    finally:
        subprocess.run([ray_cli, "stop", "--force"], env=env, capture_output=True)


def test_two_node_cluster_output_equals_single_process(cluster, single, tmp_path):
    address, env = cluster
    out = tmp_path / "vectors"
    done = subprocess.run([sys.executable, "-m", "lsr_lucene.cli.main", "encode", "--collection", str(SLICE),
                           "--output", str(out), "--max-length", "256", "--shard-size", str(SHARD), "--threads", "1",
                           "--ray", address, "--ray-workers", "2", "--quiet"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shard_sums(out) == shard_sums(single)


@pytest.mark.parametrize("spec, gpus, device", [("auto", 0, "cpu"), ("auto", 2, "cuda"), ("cpu", 4, "cpu"),
                                                ("cuda", 1, "cuda")])
def test_actors_take_a_gpu_each_when_cuda_is_asked_for_or_listed(spec, gpus, device):
    from lsr_lucene.distributed.ray_encode import actor_device

    assert actor_device(spec, gpus) == device


def test_cuda_without_gpus_in_the_cluster_or_with_an_index_is_refused():
    from lsr_lucene.distributed.ray_encode import actor_device
    from lsr_lucene.errors import ConfigError

    with pytest.raises(ConfigError, match="^no CUDA device for --device cuda: the Ray cluster lists no GPU$"):
        actor_device("cuda", 0)
    with pytest.raises(ConfigError, match="each Ray actor takes one GPU of its own; give --device cuda"):
        actor_device("cuda:1", 8)
