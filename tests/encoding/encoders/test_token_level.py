"""Token-level (SLIM) vectors against a plain reference, and the pooled vector against SpladeEncoder itself."""

import numpy as np
import pytest

from lsr_lucene.collections.resolve import find_local
from lsr_lucene.encoding.encoders.token_level import TokenLevelConfig, TokenLevelEncoder


@pytest.fixture(scope="module")
def texts():
    from lsr_lucene.collections.beir import BeirCollection

    docs = BeirCollection(find_local("scifact")).docs_iter()
    return [next(docs).contents for _ in range(4)] + ["short text", "a"]


@pytest.fixture(scope="module")
def plain_model(splade_tiny):
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    return AutoTokenizer.from_pretrained(splade_tiny), AutoModelForMaskedLM.from_pretrained(splade_tiny).eval()


def reference_tokens(plain_model, text, max_length, top_k):
    """Full MLM logits of every non-special token, log1p(relu), top-k: {position: {term id: weight}}."""
    import torch

    tokenizer, model = plain_model
    enc = tokenizer([text], truncation=True, max_length=max_length, return_tensors="pt")
    with torch.inference_mode():
        weights = torch.log1p(torch.relu(model(**enc).logits[0]))
    special = set(tokenizer.all_special_ids)
    out = []
    for position, token_id in enumerate(enc["input_ids"][0].tolist()):
        if token_id in special:
            continue
        values, ids = torch.topk(weights[position], top_k)
        out.append({i: v for i, v in zip(ids.tolist(), values.tolist()) if v > 0})
    return out


def as_dicts(row):
    return [dict(zip(row.term_ids[a:b].tolist(), row.weights[a:b].tolist()))
            for a, b in zip(row.token_ptr[:-1], row.token_ptr[1:])]


def test_token_vectors_equal_the_full_vocabulary_reference(encoder, plain_model, texts):
    tokens = TokenLevelEncoder(encoder, TokenLevelConfig(top_k=8))
    rows = tokens.encode(texts[:3], max_length=96, batch_size=2)
    for text, row in zip(texts[:3], rows):
        expected = reference_tokens(plain_model, text, 96, 8)
        got = as_dicts(row)
        assert len(got) == len(expected) == row.num_tokens
        for mine, ref in zip(got, expected):
            assert mine.keys() == ref.keys() or sorted(mine.values()) == pytest.approx(sorted(ref.values()), abs=1e-4)
            for term, weight in mine.items():
                assert weight == pytest.approx(ref.get(term, weight), abs=1e-4)


@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_pooled_vector_is_spladeencoders_and_the_max_over_tokens(encoder, splade_tiny, texts, dtype):
    from lsr_lucene.encoding.encoders.splade import SpladeEncoder

    splade = encoder if dtype == "fp32" else SpladeEncoder(splade_tiny, dtype="bf16")
    every = TokenLevelEncoder(splade, TokenLevelConfig(top_k=splade.vocab_size, special_tokens=True))
    rows = every.encode(texts, max_length=64, batch_size=3)
    plain = splade.encode(texts, max_length=64, batch_size=3)  # same batches: fp32 results depend on padding
    for row, expected in zip(rows, plain):
        assert np.array_equal(row.pooled.ids, expected.ids) and np.array_equal(row.pooled.weights, expected.weights)
        pooled = np.zeros(splade.vocab_size, np.float32)
        np.maximum.at(pooled, row.term_ids, row.weights)
        assert np.array_equal(np.flatnonzero(pooled), row.pooled.ids)
        # bf16 projections round alike; fp32 sums may differ in the last bit between the two matmul shapes
        np.testing.assert_allclose(pooled[row.pooled.ids], row.pooled.weights, rtol=0, atol=0 if dtype == "bf16" else 1e-5)


def test_l0_checkpoint_token_vectors_use_its_activation(splade_tiny, texts):
    """An l0-activation encoder's pooled weights are the max over its token weights (the token path once applied
    SPLADE's log(1+relu) whatever the checkpoint's activation)."""
    from lsr_lucene.encoding.encoders.splade import SpladeEncoder

    splade = SpladeEncoder(splade_tiny, dtype="bf16", activation="l0")
    every = TokenLevelEncoder(splade, TokenLevelConfig(top_k=splade.vocab_size, special_tokens=True))
    for row in every.encode(texts[:3], max_length=64, batch_size=3):
        pooled = np.zeros(splade.vocab_size, np.float32)
        np.maximum.at(pooled, row.term_ids, row.weights)
        np.testing.assert_allclose(pooled[row.pooled.ids], row.pooled.weights, rtol=0, atol=0)


def test_one_transformer_pass_per_batch(encoder, texts):
    """The pooled row and the token vectors come from the same forward pass (it once ran twice per batch)."""
    calls = []
    handle = encoder.network.register_forward_pre_hook(lambda *_: calls.append(1))
    try:
        TokenLevelEncoder(encoder).encode(texts, max_length=64, batch_size=len(texts))
    finally:
        handle.remove()
    assert len(calls) == 1


def test_top_k_special_tokens_and_no_expansion(encoder):
    text = "protein folding in mitochondria of yeast cells"
    own = encoder.tokenizer(text, add_special_tokens=False)["input_ids"]
    row = TokenLevelEncoder(encoder, TokenLevelConfig(top_k=3)).encode([text])[0]
    assert row.num_tokens == len(own) and np.diff(row.token_ptr).max() <= 3
    assert (row.weights > 0).all() and (np.diff(row.token_ptr) > 0).sum() >= len(own) // 2
    with_special = TokenLevelEncoder(encoder, TokenLevelConfig(top_k=3, special_tokens=True)).encode([text])[0]
    assert with_special.num_tokens == len(own) + 2
    narrow = TokenLevelEncoder(encoder, TokenLevelConfig(top_k=50)).encode([text], expansion=False)[0]
    assert set(narrow.term_ids.tolist()) <= set(own)
    assert len(row.term_ids) > 0 and not set(row.term_ids.tolist()) <= set(own)  # expansion does expand


def test_bad_top_k_is_refused():
    from lsr_lucene.errors import ConfigError

    with pytest.raises(ConfigError, match="token top_k must be >= 1, got 0"):
        TokenLevelConfig(top_k=0)
