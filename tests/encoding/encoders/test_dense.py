"""The dense encoder: the checkpoint's own pooling and normalisation, parity with sentence-transformers, bf16."""

import json

import numpy as np
import pytest
import torch

from lsr_lucene.encoding.encoders.dense import PoolingSpec, pool, pooling_modes, read_pooling_spec
from lsr_lucene.errors import ConfigError

TEXTS = ["Protein folding is driven by hydrophobic collapse.",
         "A randomized trial of vitamin D supplementation in older adults found no reduction in fractures, "
         "falls or mortality over three years of follow-up.",
         "gene", "Microbiome composition differs between infants delivered by caesarean section and vaginally."]


def checkpoint(tmp_path, modules, pooling=None, prompts=None):
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    if pooling is not None:
        (tmp_path / "1_Pooling").mkdir()
        (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    if prompts is not None:
        (tmp_path / "config_sentence_transformers.json").write_text(json.dumps({"prompts": prompts}))
    return str(tmp_path)


TRANSFORMER = {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}
POOLING = {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}
NORMALIZE = {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}


def test_minilm_prescribes_mean_pooling_normalisation_and_256_tokens():
    from lsr_lucene.models import resolve_model

    assert read_pooling_spec(resolve_model("minilm")) == PoolingSpec(("mean",), True, 256)


def test_pooling_spec_is_read_from_the_checkpoint_files(tmp_path):
    legacy = checkpoint(tmp_path / "a", [TRANSFORMER, POOLING],
                        {"word_embedding_dimension": 8, "pooling_mode_cls_token": True,
                         "pooling_mode_mean_tokens": False})
    assert read_pooling_spec(legacy) == PoolingSpec(("cls",), False)
    new = checkpoint(tmp_path / "b", [TRANSFORMER, POOLING, NORMALIZE], {"pooling_mode": ["mean", "max"]},
                     prompts={"query": "query: ", "passage": "passage: "})
    assert read_pooling_spec(new) == PoolingSpec(("mean", "max"), True, None, "query: ", "passage: ")
    (tmp_path / "c").mkdir()
    assert read_pooling_spec(str(tmp_path / "c")) == PoolingSpec()  # plain Hugging Face encoder: mean, no norm
    assert pooling_modes({"pooling_mode_max_tokens": True, "pooling_mode_cls_token": True}) == ("cls", "max")


def test_unsupported_modules_are_refused_by_name(tmp_path):
    dense = {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}
    with pytest.raises(ConfigError, match="'sentence_transformers.models.Dense' is not supported"):
        read_pooling_spec(checkpoint(tmp_path, [TRANSFORMER, POOLING, dense], {"pooling_mode": "mean"}))
    with pytest.raises(ConfigError, match="pooling modes"):
        PoolingSpec(("avg",))


def test_pool_modes_ignore_padding():
    states = torch.tensor([[[1.0, 2.0], [3.0, 6.0], [100.0, 100.0]],
                           [[4.0, -1.0], [100.0, 100.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0], [1, 0, 0]])
    expected = {
        "cls": [[1, 2], [4, -1]],
        "max": [[3, 6], [4, -1]],
        "mean": [[2, 4], [4, -1]],
        "mean_sqrt_len_tokens": [[4 / 2 ** 0.5, 8 / 2 ** 0.5], [4, -1]],
        "weightedmean": [[(1 + 6) / 3, (2 + 12) / 3], [4, -1]],
        "lasttoken": [[3, 6], [4, -1]],
    }
    for mode, values in expected.items():
        assert np.allclose(pool(states, mask, [mode]).numpy(), np.array(values, dtype=np.float32)), mode
    assert pool(states, mask, ["cls", "max"]).shape == (2, 4)


def test_fp32_matches_sentence_transformers_and_bf16_stays_close(minilm):
    from sentence_transformers import SentenceTransformer

    from lsr_lucene.encoding.encoders.dense import DenseEncoder
    from lsr_lucene.models import resolve_model

    reference = SentenceTransformer(resolve_model("minilm"), device="cpu").encode(TEXTS, batch_size=4)
    exact = DenseEncoder("minilm", dtype="fp32", threads=2)
    vectors = exact.encode(TEXTS, batch_size=2)  # length-sorted batches, results back in input order
    assert vectors.dtype == np.float32 and vectors.shape == (4, 384)
    assert np.abs(vectors - reference).max() < 1e-5
    assert np.linalg.norm(minilm.encode(TEXTS), axis=1) == pytest.approx(1.0, abs=1e-5)
    assert (minilm.encode(TEXTS) * reference).sum(axis=1).min() > 0.999  # bf16 autocast: cosine to fp32
    assert minilm.encode([]).shape == (0, 384)


def test_bad_dtype():
    from lsr_lucene.encoding.encoders.dense import DenseEncoder

    with pytest.raises(ConfigError, match="dtype must be one of"):
        DenseEncoder("minilm", dtype="fp16")
