"""`explain` on a real impact index of 100 SciFact documents encoded by SPLADE-tiny: the contributions are the
index's own impacts and sum to the plugin's scores; expansion terms are the ones the query text lacks."""

import json
import shutil

import pytest

from tests.cli.test_errors import assert_clean_error, cli


@pytest.fixture(scope="module")
def index(tmp_path_factory, scifact_sample, jvm_started):
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents
    from lsr_lucene.indexing.impact import index_impact

    docs, queries, _ = scifact_sample
    root = tmp_path_factory.mktemp("explain")
    encode_documents(iter(docs[:100]), root / "vectors", EncodeConfig(max_length=128), EncodeSettings(progress=False))
    index_impact(root / "vectors", root / "index", threads=1, progress=False)
    return root, [q.text for q in queries[:6]]


def own_tokens(text):
    from transformers import AutoTokenizer

    from lsr_lucene.models import resolve_model

    return set(AutoTokenizer.from_pretrained(resolve_model("splade-tiny")).tokenize(text))


def test_contributions_sum_to_the_scores_and_are_the_documents_impacts(index):
    from lsr_lucene.io.vectors import find_vector
    from lsr_lucene.search.splade import ImpactSearcher

    root, queries = index
    with ImpactSearcher(root / "index") as searcher:
        for text in queries:
            hits = searcher.search(text, 5)
            explanations = searcher.explain(text, k=5)
            assert [(e.doc_id, e.rank, e.score) for e in explanations] == [
                (h.doc_id, rank, h.score) for rank, h in enumerate(hits, 1)]
            vector = searcher.vectors([text])[0]
            for e in explanations:
                assert e.total == e.score and e.total > 0
                doc_vector = find_vector(root / "vectors", e.doc_id)
                assert {m.term: (m.query_impact, m.doc_impact) for m in e.matches} == {
                    t: (vector[t], doc_vector[t]) for t in vector.keys() & doc_vector.keys()}
                assert e.top_terms == sorted(doc_vector.items(), key=lambda t: (-t[1], t[0]))[:10]


def test_expansion_terms_are_the_ones_the_text_lacks(index):
    from lsr_lucene.search.splade import ImpactSearcher

    root, queries = index
    text = queries[0]
    with ImpactSearcher(root / "index") as searcher:
        vector = searcher.vectors([text])[0]
        explanations = searcher.explain(text, k=5)
        by_vector = searcher.explain(vector, k=5)
    tokens = own_tokens(text)
    assert vector.keys() - tokens and vector.keys() & tokens  # this query expands
    matches = [m for e in explanations for m in e.matches]
    assert {m.expansion for m in matches} == {True, False}
    assert all(m.expansion == (m.term not in tokens) for m in matches)
    assert {m.expansion for e in by_vector for m in e.matches} == {None}  # a vector has no text to compare with
    assert [e.total for e in by_vector] == [e.total for e in explanations]


def test_a_document_outside_the_top_k(index):
    from lsr_lucene.search.splade import ImpactSearcher

    root, queries = index
    with ImpactSearcher(root / "index") as searcher:
        ranked = searcher.search(queries[1], 100)
        far = ranked[40]
        [e] = searcher.explain(queries[1], far.doc_id, k=5)
        assert (e.doc_id, e.rank, e.score, e.total) == (far.doc_id, None, None, far.score)
        [e] = searcher.explain(queries[1], far.doc_id, k=100)
        assert (e.rank, e.score) == (41, far.score)


def test_explain_and_inspect_commands(index):
    root, queries = index
    code, out, err = cli("explain", "--index", str(root / "index"), "--query", queries[0], "--k", "3", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["query"] == queries[0] and len(result["hits"]) == 3
    for hit in result["hits"]:
        assert hit["total"] == hit["score"] == sum(m["query_impact"] * m["doc_impact"] for m in hit["matches"])
        assert all(m["term"] in result["query_vector"] for m in hit["matches"])
    first = result["hits"][0]
    code, out, err = cli("explain", "--index", str(root / "index"), "--query", queries[0], "--doc", first["doc_id"])
    assert code == 0, err
    assert f"#1 {first['doc_id']}: score {first['total']} from {len(first['matches'])} matching terms" in out
    expansion = next(m["term"] for m in first["matches"] if m["expansion"])
    assert f"  {expansion}* " in out

    code, out, err = cli("inspect", "--vectors", str(root / "vectors"), "--id", first["doc_id"], "--json")
    assert code == 0, err
    inspected = json.loads(out)
    assert list(inspected["vector"].items())[:10] == [(t["term"], t["impact"]) for t in first["top_terms"]]


def test_bad_input_gives_one_line(index, tmp_path):
    root, queries = index
    code, _, err = cli("explain", "--index", str(root / "index"), "--query", queries[0], "--doc", "no-such-doc")
    assert_clean_error(code, err, "index", "'no-such-doc'", "no such document")
    code, _, err = cli("explain", "--index", str(tmp_path / "gone"), "--query", queries[0])
    assert_clean_error(code, err, "gone", "not a Lucene index")
    code, _, err = cli("inspect", "--vectors", str(root / "vectors"), "--id", "no-such-doc")
    assert_clean_error(code, err, "vectors", "'no-such-doc'", "no vector with this id")
    shutil.copytree(root / "vectors" / "shards", tmp_path / "plain")
    code, out, err = cli("inspect", "--vectors", str(tmp_path / "plain"), "--id", "no-such-doc")
    assert_clean_error(code, err, "plain", "'no-such-doc'")
