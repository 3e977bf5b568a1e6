"""Adaptation without judgments: pseudo-query generators, candidates joined from several retrievers, teacher-chosen
positives, and a real (tiny) ``adapt`` run on the SciFact slice (BM25 from Lucene, all-MiniLM-L6-v2 and SPLADE-tiny
as teachers and retrievers), resumed and loaded back."""

import json

import pytest

from lsr_lucene.errors import ConfigError
from lsr_lucene.training.adapt import AdaptConfig, adapt, train_config
from lsr_lucene.training.config import SourceConfig
from lsr_lucene.training.data import TrainQuery, load_source
from lsr_lucene.training.negatives import candidate_list
from lsr_lucene.training.pseudo_queries import keyphrase_pairs, passage_pairs, sentence_pairs, title_pairs
from lsr_lucene.types import Doc
from tests.conftest import SLICE

DOCS = [Doc("a", "Graphene sheets conduct heat", "Graphene conducts heat well. Its lattice carries phonons far. "
            "Copper does less well than graphene at room temperature."),
        Doc("b", "Graphene sheets conduct heat", "A second document with the same title and one sentence only"),
        Doc("c", "", "lowercase text . a second sentence with enough words in it . short one .")]


def test_sentences_keyphrases_and_passages_come_from_their_document():
    sentences = list(sentence_pairs(DOCS, seed=1, per_document=5))
    assert {s[2] for s in sentences} == {("a",), ("c",)}  # b has one sentence: it would be the whole document
    assert all(text in doc.text for _, text, (d,) in sentences for doc in DOCS if doc.id == d)
    assert "a second sentence with enough words in it ." in [s[1] for s in sentences]  # lowercase, " . " ends
    assert len({s[0] for s in sentences}) == len(sentences)
    corpus = DOCS + [Doc(f"f{i}", "", f"other{i} words{i} here") for i in range(30)]
    keyphrases = list(keyphrase_pairs(corpus, seed=1, per_document=2))
    words = [k[1].split() for k in keyphrases if k[2] == ("a",)]
    assert words and all(3 <= len(w) <= 6 and len(set(w)) == len(w) for w in words)
    text = DOCS[0].contents.lower()
    assert all(sorted(w, key=text.index) == w for w in words)  # in document order
    passages = list(passage_pairs(DOCS, seed=1, min_words=5, max_words=8))
    assert [p[2] for p in passages] == [("a",), ("b",), ("c",)] and 5 <= len(passages[0][1].split()) <= 8
    assert list(title_pairs(DOCS)) == []  # a title two documents share is no query for one of them


def test_candidates_join_retrievers_and_leave_out_excluded_documents():
    query = TrainQuery("q", "text", ("p",), 0, exclude=("src",))
    hits = [("src", 9.0), ("d1", 7.0), ("d2", 5.0), ("d3", 3.0)]
    ids, scores = candidate_list(query, hits, depth=2, extra=["d3", "d9", "src", "d1"])
    assert ids == ["d1", "d2", "d3", "d9", "p"]
    assert scores == [7.0, 5.0, 3.0, 3.0, 3.0]  # d9 and p: BM25 missed them, the lowest score


def test_unjudged_queries_and_excluded_sources_start_without_positives(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps({"_id": f"u{i}", "text": f"query {i}"}) + "\n" for i in range(5)))
    source = load_source(SourceConfig(str(SLICE), str(log), qrels=""), 0, 0.0, seed=0)
    assert [q.positives for q in source.queries] == [()] * 5 and source.label == "scifact-slice-log"
    others = load_source(SourceConfig(str(SLICE), synthetic="passage", exclude_source=True), 1, 0.0, seed=0)
    assert all(not q.positives and q.exclude == (q.id.split(":")[1],) for q in others.queries)
    assert others.label == "scifact-slice-passage-others"


def test_strategies_without_queries_are_left_out_and_bad_ones_refused():
    said = []
    config = train_config(AdaptConfig("x", "out", strategies=("title", "sentence")), DOCS, say=said.append)
    assert [s.synthetic for s in config.data.sources] == ["sentence"] and "title" in said[0]
    assert config.data.sources[0].per_document == 10 and config.data.dev_metric == "agreement@10"
    assert config.data.dev_teachers == ("bm25", "dense")  # not the starting model's own part of the teacher
    with pytest.raises(ConfigError, match="<generator>:others"):
        train_config(AdaptConfig("x", "out", strategies=("title:other",)), DOCS)
    with pytest.raises(ConfigError, match="nothing to adapt on"):
        train_config(AdaptConfig("x", "out", strategies=("title",)), DOCS, say=said.append)


def test_selection_ranks_by_the_named_teachers_only():
    from lsr_lucene.training.config import TeacherConfig
    from lsr_lucene.training.trainer import _dev_weights

    teachers = (TeacherConfig("bm25"), TeacherConfig("dense", "all-MiniLM-L6-v2"), TeacherConfig("splade", "x/tiny"))
    weights = {"bm25": 2.0, "dense:all-MiniLM-L6-v2": 2.0, "splade:tiny": 2.0}
    assert _dev_weights(teachers, weights, ("bm25", "dense")) == {"bm25": 2.0, "dense:all-MiniLM-L6-v2": 2.0}
    assert _dev_weights(teachers, weights, ()) == weights
    with pytest.raises(ConfigError, match="dev_teachers names no teacher of data.teachers: sparse"):
        _dev_weights(teachers, weights, ("bm25", "sparse"))


TINY = {"optim.batch_size": 4, "optim.steps": 2, "checkpoint_steps": 2, "data.depth": 5, "data.dev_fraction": 0.3,
        "data.dev_max_queries": 4, "data.dev_depth": 4, "model.max_doc_length": 48, "model.max_query_length": 32,
        "data.teachers": [{"name": "bm25"}, {"name": "dense", "model": "all-MiniLM-L6-v2", "max_length": 64},
                          {"name": "splade", "model": "splade-tiny", "max_length": 64}]}


@pytest.fixture(scope="module")
def adapted(tmp_path_factory, jvm_started):
    out = tmp_path_factory.mktemp("adapt") / "slice"
    log = out.parent / "log.tsv"
    log.write_text("u1\tcholesterol and heart disease\nu2\tvitamin d deficiency\nu3\tgene expression in cancer\n")
    summary = adapt(str(SLICE), str(out), strategies=("title", "passage:others"), queries=str(log),
                    queries_per_strategy=12, overrides=TINY, progress=False, say=lambda s: None)
    return out, summary


def test_adapt_trains_on_pseudo_queries_and_selects_on_agreement_with_the_teacher(adapted):
    out, summary = adapted
    assert summary["complete"] and summary["steps_done"] == 2
    assert set(summary["data"]) == {"scifact-slice-title", "scifact-slice-passage-others", "scifact-slice-log"}
    assert all(0 < row["agreement@10"] <= 1 for row in summary["dev"])
    assert summary["selected_step"] == max(summary["dev"], key=lambda r: (r["agreement@10"], r["step"]))["step"]
    scale = json.loads((out / "teacher_scale.json").read_text())
    assert scale["scale"] == pytest.approx(scale["student_spread"] / scale["teacher_spread"]) and scale["scale"] > 0
    rows = [json.loads(line) for f in (out / "cache").glob("prepared-*.jsonl") for line in f.read_text().splitlines()]
    assert {"bm25", "dense:all-MiniLM-L6-v2", "splade:splade-tiny"} <= set(rows[0]["scores"])
    assert all(r["positives"][0] in r["candidates"] for r in rows)
    passages = [r for r in rows if r["id"].startswith("passage:")]
    assert passages and all(r["id"].split(":")[1] not in r["candidates"] for r in passages)
    assert any(len(r["candidates"]) > 5 for r in rows)  # dense and SPLADE added documents BM25's top 5 lacked


def test_a_rerun_resumes_and_the_model_loads(adapted):
    from sentence_transformers import SparseEncoder

    out, summary = adapted
    again = adapt(str(SLICE), str(out), strategies=("title", "passage:others"), queries=str(out.parent / "log.tsv"),
                  queries_per_strategy=12, overrides=TINY, progress=False, say=lambda s: None)
    assert again["steps_done"] == 2 and again["selected_step"] == summary["selected_step"]
    vectors = SparseEncoder(str(out / "model"), device="cpu").encode_document(["heart disease"])
    assert vectors.coalesce().values().numel() > 0
