"""The layout of model folders, read from their files."""

import json

import pytest

from lsr_lucene.encoding.encoders.checkpoint import describe
from lsr_lucene.errors import ConfigError


def st_folder(tmp_path, activation="log1p_relu", pooling="max"):
    (tmp_path / "doc" / "pool").mkdir(parents=True)
    (tmp_path / "modules.json").write_text(json.dumps([{"idx": 0, "name": "0", "path": "",
                                                        "type": "sentence_transformers.base.modules.router.Router"}]))
    (tmp_path / "router_config.json").write_text(json.dumps({
        "types": {"q": "x.SparseStaticEmbedding", "doc": "x.Transformer", "pool": "x.SpladePooling"},
        "structure": {"query": ["q"], "document": ["doc", "pool"]}}))
    (tmp_path / "pool").mkdir()
    (tmp_path / "pool" / "config.json").write_text(json.dumps({"pooling_strategy": pooling,
                                                               "activation_function": activation}))
    return tmp_path


def test_plain_checkpoints_are_splade_with_the_default_activation(splade_tiny):
    layout = describe(splade_tiny)
    assert layout.kind == "splade" and layout.activation == "splade" and layout.document_model == splade_tiny
    assert describe("naver/splade-v3").document_model == "naver/splade-v3"


def test_an_inference_free_router_folder(tmp_path):
    layout = describe(str(st_folder(tmp_path)))
    assert layout.kind == "inference_free" and layout.activation == "l0"
    assert layout.document_model == str(tmp_path / "doc") and layout.query_table == str(tmp_path / "q")


def test_sum_pooling_and_unknown_activations_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="pooling 'sum' is not supported"):
        describe(str(st_folder(tmp_path / "a", pooling="sum")))
    with pytest.raises(ConfigError, match="unknown SpladePooling activation_function 'gelu'"):
        describe(str(st_folder(tmp_path / "b", activation="gelu")))
