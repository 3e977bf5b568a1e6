"""The sparse encode stage on the CPU writes the same bytes whatever the device option says, and its GPU path
(windows encoded ahead while the previous one is written) writes the same shards as the plain loop."""

import json

import pytest
import torch

from lsr_lucene.cli.main import main

from ...conftest import SLICE


def shard_sums(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"]
    return manifest, [(s["file"], s["records"], s["sha256"]) for s in manifest["shards"]]


@pytest.mark.skipif(torch.cuda.is_available(), reason="auto would take the GPU")
def test_device_cpu_and_auto_write_the_default_bytes(tmp_path, capsys):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join((SLICE / "corpus.jsonl").read_text().splitlines(keepends=True)[:30]))
    common = ["encode", "--collection", str(corpus), "--max-length", "64", "--shard-size", "12", "--quiet"]
    outputs = {}
    for name, extra in (("default", []), ("cpu", ["--device", "cpu"]), ("auto", ["--device", "auto"])):
        assert main(common + ["--output", str(tmp_path / name)] + extra) == 0
        outputs[name] = shard_sums(tmp_path / name)
    manifest, default = outputs["default"]
    assert len(default) == 3 and manifest["device"] == "cpu"
    assert outputs["cpu"][1] == default and outputs["auto"][1] == default


class SaysCuda:
    """The real encoder, claiming to run on CUDA, so that the stage takes its GPU path on this CPU."""

    device = torch.device("cuda")

    def __init__(self, encoder):
        self._encoder = encoder

    def __getattr__(self, name):
        return getattr(self._encoder, name)


def test_windows_encoded_ahead_write_the_same_shards(tmp_path, splade_tiny):
    from lsr_lucene.collections import load_collection
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents, make_encoder

    docs = list(load_collection(str(SLICE)).docs_iter())[:30]
    config = EncodeConfig(model=splade_tiny, max_length=48)
    settings = EncodeSettings(batch_size=8, shard_size=7, progress=False)  # windows of 7: four run ahead
    encoder = make_encoder(config)
    plain = encode_documents(docs, tmp_path / "plain", config, settings, encoder=encoder)
    ahead = encode_documents(docs, tmp_path / "ahead", config, settings, encoder=SaysCuda(encoder))
    assert plain["device"] == "cpu" and ahead["device"] == "cuda"
    assert shard_sums(tmp_path / "ahead")[1] == shard_sums(tmp_path / "plain")[1]
    assert ahead["encode_stats"]["texts"] == plain["encode_stats"]["texts"] == 30
