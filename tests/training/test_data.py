import pytest

from lsr_lucene.collections.resolve import find_local
from lsr_lucene.errors import ConfigError
from lsr_lucene.training.config import SourceConfig
from lsr_lucene.training.data import TrainQuery, is_dev, judged_pairs, load_source
from lsr_lucene.training.negatives import candidate_list
from lsr_lucene.training.pseudo_queries import counterargument_pairs, span_pairs, title_pairs
from lsr_lucene.types import Doc


def test_test_qrels_are_refused():
    with pytest.raises(ConfigError, match="refusing to train on test qrels"):
        judged_pairs(find_local("scifact"), "queries.jsonl", "qrels/test.tsv")


def test_scifact_train_pairs_and_a_stable_dev_split():
    source = load_source(SourceConfig("scifact"), 0, 0.1, seed=3)
    assert len(source.queries) == 809 and all(q.positives for q in source.queries) and source.label == "scifact"
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


def test_counterargument_pairs_come_from_training_debates_only():
    docs = [Doc("training-t-d-pro01a", "", "an argument"), Doc("training-t-d-pro01b", "", "its counter"),
            Doc("training-t-d-con01a", "", "no counter in the corpus"),
            Doc("test-t-d-pro01a", "", "a test argument"), Doc("test-t-d-pro01b", "", "a test counter")]
    assert list(counterargument_pairs(docs)) == [("training-t-d-pro01a", "an argument", ("training-t-d-pro01b",))]
    source = load_source(SourceConfig("arguana", synthetic="counterargument"), 0, 0.05, seed=0)
    assert len(source.queries) == 2511 and all(q.id.startswith("training-") for q in source.queries)
    assert source.label == "arguana-counterargument" and source.name == "arguana"
    genq = load_source(SourceConfig("arguana", "genq/queries.jsonl", "genq/qrels/train.tsv"), 1, 0.05, seed=0)
    assert genq.label == "arguana-genq"


def test_a_query_is_not_its_own_candidate():
    query = TrainQuery("d1", "text", ("d3",), 0)
    ids, scores = candidate_list(query, [("d1", 9.0), ("d2", 5.0), ("d4", 2.0)])
    assert ids == ["d2", "d4", "d3"] and scores == [5.0, 2.0, 2.0]
