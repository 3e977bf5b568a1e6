"""The fast SPLADE path against a plain reference: full MLM logits, mask, log1p(relu), max over tokens."""

import numpy as np
import pytest

from lsr_lucene.encoding.encoders.splade import SpladeEncoder
from lsr_lucene.collections.resolve import find_local


@pytest.fixture(scope="module")
def texts():
    from lsr_lucene.collections.beir import BeirCollection

    docs = BeirCollection(find_local("scifact")).docs_iter()
    return [next(docs).contents for _ in range(24)] + ["short text", "a"]


def reference(model_path, texts, max_length):
    import torch
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForMaskedLM.from_pretrained(model_path).eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), 8):
            enc = tokenizer(texts[start:start + 8], truncation=True, max_length=max_length, padding=True,
                            return_tensors="pt")
            logits = model(**enc).logits
            out.append(torch.log1p(torch.relu(logits * enc["attention_mask"].unsqueeze(-1))).amax(1).numpy())
    return np.concatenate(out)


def dense(rows, width):
    matrix = np.zeros((len(rows), width), dtype=np.float32)
    for i, row in enumerate(rows):
        matrix[i, row.ids] = row.weights
    return matrix


def test_fp32_path_equals_the_reference(encoder, splade_tiny, texts):
    expected = reference(splade_tiny, texts, 256)
    got = dense(encoder.encode(texts, max_length=256, batch_size=5), encoder.vocab_size)
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert (np.rint(got * 100) == np.rint(expected * 100)).mean() > 0.9999


def test_bf16_path_stays_within_two_impact_units(splade_tiny, texts):
    expected = np.rint(reference(splade_tiny, texts, 256) * 100)
    fast = SpladeEncoder(splade_tiny, dtype="bf16")
    got = np.rint(dense(fast.encode(texts, max_length=256, batch_size=7), fast.vocab_size) * 100)
    assert np.abs(got - expected).max() <= 2


def test_projection_tiles_do_not_change_the_numbers(splade_tiny, texts):
    default = SpladeEncoder(splade_tiny, dtype="bf16")
    tiny = SpladeEncoder(splade_tiny, dtype="bf16", max_tokens=1, vocab_tile=1000)
    expected = dense(default.encode(texts[:6], max_length=64, batch_size=3), default.vocab_size)
    got = dense(tiny.encode(texts[:6], max_length=64, batch_size=3), tiny.vocab_size)
    np.testing.assert_array_equal(got, expected)


def test_the_gpu_chunking_equals_the_masked_maximum_in_fp32(encoder, texts):
    """The CUDA path's projection (``GPU_MAX_TOKENS`` rows, the whole vocabulary at once) run on CPU tensors: the
    maximum over the real tokens of the full logits, as the CPU's tiles give it."""
    import torch

    from lsr_lucene.encoding.encoders.splade import GPU_MAX_TOKENS, max_pooled_logits

    ids, _ = encoder.tokenize(texts[:5] + texts[-2:], 96)
    with torch.inference_mode():
        _, mask, hidden = encoder.hidden_states(ids)
        full = (hidden @ encoder.projection.T).masked_fill(~mask.bool().unsqueeze(-1), float("-inf")).amax(1)
        gpu = max_pooled_logits(hidden, mask, encoder.projection, GPU_MAX_TOKENS, encoder.vocab_size)
        cpu = max_pooled_logits(hidden, mask, encoder.projection, encoder.max_tokens, encoder.vocab_tile)
    assert int(mask.sum(1).min()) < hidden.shape[1]  # padding present: a wrong mask would show
    torch.testing.assert_close(gpu, full)
    torch.testing.assert_close(cpu, full)


def test_no_expansion_keeps_only_input_tokens(encoder):
    text = "protein folding in cells"
    row = encoder.encode([text], expansion=False)[0]
    own = set(encoder.tokenizer(text, add_special_tokens=False)["input_ids"])
    assert set(row.ids.tolist()) <= own and len(row.ids) > 0
    full = encoder.encode([text])[0]
    assert len(full.ids) > len(row.ids)
    weights = dict(zip(full.ids.tolist(), full.weights.tolist()))
    for i, w in zip(row.ids.tolist(), row.weights.tolist()):
        assert w == pytest.approx(weights[i])


def test_truncation_is_counted_and_order_kept(encoder):
    from lsr_lucene.encoding.stats import EncodeStats

    stats = EncodeStats()
    texts = ["word " * 300, "tiny", "word " * 10]
    rows = encoder.encode(texts, max_length=64, batch_size=2, stats=stats)
    assert stats.truncated == 1 and stats.texts == 3
    assert [len(r.ids) > 0 for r in rows] == [True, True, True]
    alone = encoder.encode(["tiny"], max_length=64)[0]
    assert rows[1].ids.tolist() == alone.ids.tolist()
