"""The dense encoder: the checkpoint's own pooling, normalisation and prompts (read by sentence-transformers), the
overrides, padding-free batching, parity with sentence-transformers, bf16."""

import json
import shutil

import numpy as np
import pytest

from lsr_lucene.encoding.encoders.dense import DenseEncoder, PoolingSpec
from lsr_lucene.errors import ConfigError

TEXTS = ["Protein folding is driven by hydrophobic collapse.",
         "A randomized trial of vitamin D supplementation in older adults found no reduction in fractures, "
         "falls or mortality over three years of follow-up.",
         "gene", "Microbiome composition differs between infants delivered by caesarean section and vaginally."]

TRANSFORMER = {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}
POOLING = {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}
NORMALIZE = {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}


def checkpoint(folder, modules=None, pooling=None, prompts=None):
    """MiniLM's weights (linked) with other sentence-transformers files; ``modules=None``: a plain HF encoder."""
    from lsr_lucene.models import resolve_model

    source = resolve_model("minilm")
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("model.safetensors", "1_Pooling", "modules.json",
                                                                  "config_sentence_transformers.json"))
    (folder / "model.safetensors").symlink_to(f"{source}/model.safetensors")
    if modules is None:
        (folder / "sentence_bert_config.json").unlink()
        return str(folder)
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 384, **pooling}))
    if prompts is not None:
        (folder / "config_sentence_transformers.json").write_text(json.dumps({"prompts": prompts}))
    return str(folder)


def test_minilm_prescribes_mean_pooling_normalisation_and_256_tokens(minilm):
    assert DenseEncoder("minilm", dtype="fp32").spec == PoolingSpec(("mean",), True, 256)
    assert minilm.spec == PoolingSpec(("mean",), True, 128)  # max_length overrides the model's


def test_pooling_normalisation_and_prompts_come_from_the_checkpoint(tmp_path):
    legacy = DenseEncoder(checkpoint(tmp_path / "a", [TRANSFORMER, POOLING],
                                     {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))
    assert legacy.spec == PoolingSpec(("cls",), False, 256) and legacy.dim == 384
    assert np.linalg.norm(legacy.encode(TEXTS), axis=1).min() > 1.5  # no Normalize module
    from sentence_transformers import SentenceTransformer

    path = checkpoint(tmp_path / "b", [TRANSFORMER, POOLING, NORMALIZE], {"pooling_mode": ["mean", "max"]},
                      prompts={"query": "query: ", "passage": "passage: "})
    new = DenseEncoder(path, dtype="fp32")
    assert new.spec == PoolingSpec(("mean", "max"), True, 256, "query: ", "passage: ") and new.dim == 768
    documents, queries = new.encode(TEXTS), new.encode(TEXTS, queries=True)
    assert np.linalg.norm(documents, axis=1) == pytest.approx(1.0, abs=1e-5)
    reference = SentenceTransformer(path, device="cpu")
    # the first non-empty document prompt (sentence-transformers' encode_document takes its default empty one)
    assert np.abs(documents - reference.encode(TEXTS, prompt_name="passage")).max() < 1e-5
    assert np.abs(queries - reference.encode_query(TEXTS)).max() < 1e-5
    assert not np.allclose(documents, queries, atol=1e-3)
    plain = DenseEncoder(checkpoint(tmp_path / "c"))  # plain Hugging Face encoder: mean, no normalisation
    assert plain.spec.modes == ("mean",) and plain.spec.normalize is False


def test_overrides_replace_the_models_pooling_and_normalisation(tmp_path):
    overridden = DenseEncoder("minilm", dtype="fp32", pooling=("cls", "max"), normalize=False, max_length=16)
    assert overridden.spec == PoolingSpec(("cls", "max"), False, 16) and overridden.dim == 768
    assert np.linalg.norm(overridden.encode(TEXTS), axis=1).min() > 1.5
    normalized = DenseEncoder(checkpoint(tmp_path / "a", [TRANSFORMER, POOLING], {"pooling_mode": "cls"}),
                              normalize=True)
    assert normalized.spec.normalize
    assert np.linalg.norm(normalized.encode(TEXTS), axis=1) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ConfigError, match=r"pooling \['avg'\]"):
        DenseEncoder("minilm", pooling=("avg",))
    no_prompt = checkpoint(tmp_path / "b", [TRANSFORMER, POOLING], {"pooling_mode": "mean", "include_prompt": False})
    with pytest.raises(ConfigError, match="include_prompt=false is not supported"):
        DenseEncoder(no_prompt)


def test_padding_in_a_batch_does_not_change_a_vector():
    encoder = DenseEncoder("minilm", dtype="fp32", threads=2)
    alone = np.stack([encoder.encode([t])[0] for t in TEXTS])
    assert np.abs(encoder.encode(TEXTS, batch_size=4) - alone).max() < 1e-5


def test_fp32_matches_sentence_transformers_and_bf16_stays_close(minilm):
    from sentence_transformers import SentenceTransformer

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
    with pytest.raises(ConfigError, match="dtype must be one of"):
        DenseEncoder("minilm", dtype="fp16")
