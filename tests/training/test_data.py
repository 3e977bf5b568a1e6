import math

import pytest

from lsr_lucene.errors import ConfigError
from lsr_lucene.training.config import SourceConfig
from lsr_lucene.training.data import idf_weights, is_dev, judged_pairs, load_source, span_pairs, title_pairs
from lsr_lucene.types import Doc
from tests.conftest import shared


def test_test_qrels_are_refused():
    with pytest.raises(ConfigError, match="refusing to train on test qrels"):
        judged_pairs(shared("scifact"), "queries.jsonl", "qrels/test.tsv")


def test_scifact_train_pairs_and_a_stable_dev_split():
    source = load_source(SourceConfig("scifact"), 0, 0.1, seed=3)
    assert len(source.queries) == 809 and all(q.positives for q in source.queries)
    dev = [q.id for q in source.queries if q.dev]
    assert 40 < len(dev) < 130
    again = load_source(SourceConfig("scifact"), 0, 0.1, seed=3)
    assert dev == [q.id for q in again.queries if q.dev]
    assert is_dev("x", 1.0, 0) and not is_dev("x", 0.0, 0)


def test_synthetic_pairs():
    docs = [Doc("a", "A title of words", "one two three " * 20), Doc("b", "short", "tiny text")]
    assert list(title_pairs(docs)) == [("title:a", "A title of words", ("a",))]
    spans = list(span_pairs(docs, seed=1))
    assert len(spans) == 1 and spans[0][2] == ("a",)
    assert 5 <= len(spans[0][1].split()) <= 12 and spans[0][1] in docs[0].text


def test_idf_by_hand(splade_tiny):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(splade_tiny)
    idf = idf_weights(["apple banana", "apple", "cherry apple apple"], tokenizer, len(tokenizer))
    apple, banana = tokenizer.convert_tokens_to_ids(["apple", "banana"])
    assert float(idf[apple]) == pytest.approx(math.log1p(0.5 / 3.5))
    assert float(idf[banana]) == pytest.approx(math.log1p(2.5 / 1.5))
    assert float(idf[tokenizer.cls_token_id]) == 0.0
