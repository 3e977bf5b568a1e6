"""Models: the fast training path equals sentence-transformers' own forward, and a saved model gives identical
vectors in sentence-transformers and in this project's encoders (SPLADE, inference-free, tied head, causal LM)."""

import numpy as np
import pytest
import torch

from lsr_lucene.training.backbones import backbone_kind, tied_mlm_from_encoder, tiny_causal_lm
from lsr_lucene.training.models import TrainingView, build_model

TEXTS = ["Vegetarian diets are better for the environment than meat-based ones.", "protein folding",
         "CRISPR gene editing in mice reduces tumour growth, a study of 40 animals found."]


def _perturb(model, seed=0):
    """Move the weights away from the backbone's so that a wrong loader could not match by accident."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            zero_rows = (param == 0).all(dim=-1, keepdim=True) if param.ndim == 2 else torch.tensor(False)
            noise = torch.randn(param.shape, generator=generator) * 0.01 * (param.std() if param.numel() > 1 else 1)
            param.add_(torch.where(zero_rows, torch.zeros_like(noise), noise))  # a zero PAD row stays zero


def _dense(rows, width):
    out = np.zeros((len(rows), width), dtype=np.float32)
    for i, row in enumerate(rows):
        out[i, row.ids] = row.weights
    return out


def _ours(path, queries):
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, make_encoder

    encoder = make_encoder(EncodeConfig(model=str(path), dtype="fp32"), queries=queries)
    return _dense(encoder.encode(TEXTS, max_length=512), encoder.vocab_size), encoder


def _theirs(path, queries):
    from sentence_transformers import SparseEncoder

    model = SparseEncoder(str(path), device="cpu")
    fn = model.encode_query if queries else model.encode_document
    return fn(TEXTS, convert_to_tensor=True).to_dense().numpy()


@pytest.mark.parametrize("kind,backbone,activation", [
    ("splade", "splade-tiny", "l0"),
    ("inference_free", "splade-tiny", "splade"),
    ("splade", "all-MiniLM-L6-v2", "splade"),
    ("splade", "causal", "l0"),
])
def test_saved_models_give_identical_vectors_in_both_libraries(tmp_path, kind, backbone, activation):
    if backbone == "causal":
        backbone = tiny_causal_lm(tmp_path / "causal")
    idf = torch.rand(30522) * 5
    model = build_model(kind, backbone, tmp_path, activation, idf=idf, query_weights="learned", head_bias_init=-2.0)
    _perturb(model)
    model.save(str(tmp_path / "saved"))
    for queries in (False, True):
        mine, encoder = _ours(tmp_path / "saved", queries)
        theirs = _theirs(tmp_path / "saved", queries)
        np.testing.assert_allclose(mine, theirs, atol=2e-5)
        assert (mine > 0).sum() > 0
        assert np.array_equal(np.rint(mine * 100), np.rint(theirs * 100)) or np.abs(
            np.rint(mine * 100) - np.rint(theirs * 100)).max() <= 1
    if kind == "inference_free":
        assert type(encoder).__name__ == "InferenceFreeEncoder"
    else:
        assert encoder.activation == activation


def test_fast_training_path_equals_the_sentence_transformers_forward(tmp_path):
    model = build_model("inference_free", "splade-tiny", tmp_path, "l0", idf=torch.rand(30522))
    model.eval()
    view = TrainingView(model, "bf16")
    with torch.no_grad():
        docs = view.documents(TEXTS, 512)
        queries = view.queries(TEXTS, 512)
    torch.testing.assert_close(docs, model.encode_document(TEXTS, convert_to_tensor=True).to_dense(), atol=1e-5,
                               rtol=1e-5)
    torch.testing.assert_close(queries, model.encode_query(TEXTS, convert_to_tensor=True).to_dense())
    assert view.inference_free and view.activation == "l0"


def test_tied_head_keeps_the_sentence_encoders_hidden_states(tmp_path):
    from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer

    from lsr_lucene.models import resolve_model

    source = resolve_model("all-MiniLM-L6-v2")
    assert backbone_kind(source) == "tied"
    path = tied_mlm_from_encoder(source, tmp_path / "tied", bias_init=-1.5)
    tokenizer = AutoTokenizer.from_pretrained(path)
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        reference = AutoModel.from_pretrained(source).eval()(**AutoTokenizer.from_pretrained(source)(
            TEXTS, padding=True, return_tensors="pt")).last_hidden_state
        mlm = AutoModelForMaskedLM.from_pretrained(path).eval()
        hidden = mlm.transformer(**batch).last_hidden_state
        logits = mlm(**batch).logits
    real = batch["attention_mask"].bool()
    torch.testing.assert_close(hidden[real], reference[real], atol=1e-5, rtol=1e-4)
    embeddings = mlm.get_input_embeddings().weight
    assert mlm.get_output_embeddings().weight.data_ptr() == embeddings.data_ptr()  # tied
    torch.testing.assert_close(logits[real], hidden[real] @ embeddings.T - 1.5 + (embeddings.sum(1) == 0) * -9998.5,
                               atol=1e-4, rtol=1e-4)
    assert backbone_kind(path) == "mlm"
