import json

import pytest

from lsr_lucene.errors import ConfigError, InputFileError
from lsr_lucene.training.config import TrainConfig, config_from_dict, load_config

TOML = """
name = "t"
[model]
kind = "splade"
[[data.sources]]
collection = "scifact"
[[losses]]
name = "in_batch"
weight = 2
[document_regularizer]
name = "l0_mask"
weight = 1e-3
params = { threshold = 50 }
"""


def test_toml_and_json_give_the_same_config(tmp_path):
    (tmp_path / "c.toml").write_text(TOML)
    config = load_config(tmp_path / "c.toml")
    assert config.model.kind == "splade" and config.losses[0].weight == 2.0
    assert config.data.sources[0].collection == "scifact"
    assert config.document_regularizer.params == {"threshold": 50}
    (tmp_path / "c.json").write_text(json.dumps(config.to_dict()))
    assert load_config(tmp_path / "c.json") == config


def test_unknown_keys_are_named_with_their_path(tmp_path):
    (tmp_path / "c.toml").write_text(TOML + "\n[optim]\nstep = 3\n")
    with pytest.raises(ConfigError, match=r"unknown key\(s\) optim.step"):
        load_config(tmp_path / "c.toml")
    with pytest.raises(ConfigError, match="model.max_doc_length: expected int"):
        config_from_dict({"model": {"max_doc_length": "long"}})


def test_overrides_use_dotted_keys(tmp_path):
    (tmp_path / "c.toml").write_text(TOML)
    config = load_config(tmp_path / "c.toml", {"optim.steps": 7, "name": "x"})
    assert config.optim.steps == 7 and config.name == "x"
    assert config.output_dir().as_posix() == "outputs/train/x"


def test_missing_or_badly_named_files(tmp_path):
    with pytest.raises(InputFileError, match="no such config file"):
        load_config(tmp_path / "none.toml")
    (tmp_path / "c.yaml").write_text("a: 1")
    with pytest.raises(InputFileError, match=".toml or .json"):
        load_config(tmp_path / "c.yaml")


def test_defaults_round_trip():
    assert config_from_dict(json.loads(json.dumps(TrainConfig().to_dict()))) == TrainConfig()


def test_optional_fields_are_type_checked_too(tmp_path):
    (tmp_path / "c.toml").write_text(TOML.replace('collection = "scifact"', 'collection = "scifact"\nmax_queries = "ten"'))
    with pytest.raises(ConfigError, match=r"c.toml: data.sources\[0\].max_queries: expected int, got 'ten'"):
        load_config(tmp_path / "c.toml")
    with pytest.raises(ConfigError, match="max_minutes: expected float"):
        config_from_dict({"max_minutes": "soon"})
    assert config_from_dict({"max_minutes": 2, "output": None}).max_minutes == 2.0
