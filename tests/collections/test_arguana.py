"""ArguAna's validation debates as a dev set: the test construction, on debates disjoint from the test queries."""

import pytest

from lsr_lucene.collections.arguana import counterargument_pairs
from lsr_lucene.errors import InputFileError

from ..conftest import shared


def test_validation_pairs_mirror_the_test_qrels_on_other_debates():
    from lsr_lucene.collections import load_collection

    folder = shared("arguana")
    queries, qrels = counterargument_pairs(folder / "corpus.jsonl", "validation")
    assert len(queries) == len(qrels) == 459
    assert all(q.id.startswith("validation-") and q.id.endswith("a") for q in queries)
    assert [(r.query_id, r.doc_id[:-1] + "a", r.relevance) for r in qrels] == [(q.id, q.id, 1) for q in queries]
    collection = load_collection("arguana")
    test_ids = {q.query_id for q in collection.qrels_iter("test")}
    assert not test_ids & {q.id for q in queries}
    # the test set is built the same way: query text = the argument's text, relevant = its 'b' counter-argument
    docs = {d.id: d for d in collection.docs_iter()}
    test_queries = {q.id: q.text for q in collection.queries_iter()}
    built = [r for r in collection.qrels_iter("test") if r.query_id in docs]
    assert all(r.doc_id == r.query_id[:-1] + "b" for r in built)
    assert all(test_queries[r.query_id] == docs[r.query_id].text for r in built)
    assert {q.text for q in queries} <= {d.text for d in docs.values()}


def test_not_arguana(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"_id": "d1", "text": "x"}\n')
    with pytest.raises(InputFileError, match="not ArguAna"):
        counterargument_pairs(corpus)
    with pytest.raises(InputFileError, match="split must be one of"):
        counterargument_pairs(corpus, "test")
