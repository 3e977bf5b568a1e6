"""Inference-free query encoding: table lookups with sentence-transformers' tokenization rules; IDF from a corpus
(by hand)."""

import math

import numpy as np
import pytest

from lsr_lucene.encoding.encoders.inference_free import InferenceFreeEncoder, idf_weights
from lsr_lucene.errors import ConfigError


@pytest.fixture(scope="module")
def tokenizer(splade_tiny):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(splade_tiny)


def test_distinct_tokens_weighted_by_the_table_without_special_tokens(tokenizer):
    weights = np.zeros(len(tokenizer), dtype=np.float32)
    apple, pie = tokenizer.convert_tokens_to_ids(["apple", "pie"])
    weights[apple], weights[pie] = 2.5, 0.5
    weights[tokenizer.cls_token_id] = 9.0
    encoder = InferenceFreeEncoder(tokenizer, weights)
    row, empty = encoder.encode(["apple pie apple tart", "tart"])
    assert row.ids.tolist() == sorted([apple, pie]) and row.weights.tolist() == [2.5, 0.5][::1 if apple < pie else -1]
    assert empty.ids.size == 0  # tokens with weight 0 are dropped; no [CLS]/[SEP]
    assert [encoder.terms[i] for i in row.ids] == sorted(["apple", "pie"], key=lambda t: tokenizer.vocab[t])


def test_truncation_is_counted(tokenizer):
    from lsr_lucene.encoding.stats import EncodeStats

    encoder = InferenceFreeEncoder(tokenizer, np.ones(len(tokenizer), dtype=np.float32))
    stats = EncodeStats()
    rows = encoder.encode(["word " * 50, "two words"], max_length=10, stats=stats)
    assert stats.truncated == 1 and stats.texts == 2 and len(rows[0].ids) == 1


def test_idf_from_a_corpus(tokenizer):
    encoder = InferenceFreeEncoder.from_corpus(tokenizer, ["apple banana", "apple", "cherry apple"])
    (row,) = encoder.encode(["banana apple"])
    apple, banana = tokenizer.convert_tokens_to_ids(["apple", "banana"])
    weights = dict(zip(row.ids.tolist(), row.weights.tolist()))
    assert weights[apple] == pytest.approx(math.log1p(0.5 / 3.5))
    assert weights[banana] == pytest.approx(math.log1p(2.5 / 1.5))


def test_bad_tables_are_refused(tokenizer):
    with pytest.raises(ConfigError, match="one weight per token"):
        InferenceFreeEncoder(tokenizer, np.ones(10, dtype=np.float32))
    with pytest.raises(ConfigError, match="NaN"):
        InferenceFreeEncoder(tokenizer, np.full(len(tokenizer), np.nan, dtype=np.float32))


def test_idf_by_hand(splade_tiny):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(splade_tiny)
    idf = idf_weights(["apple banana", "apple", "cherry apple apple"], tokenizer, len(tokenizer))
    apple, banana = tokenizer.convert_tokens_to_ids(["apple", "banana"])
    assert float(idf[apple]) == pytest.approx(math.log1p(0.5 / 3.5))
    assert float(idf[banana]) == pytest.approx(math.log1p(2.5 / 1.5))
    assert float(idf[tokenizer.cls_token_id]) == 0.0
