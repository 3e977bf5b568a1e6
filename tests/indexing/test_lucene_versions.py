"""Both supported stacks (Lucene 9.9.1 and 10.5.0): indexes cross Lucene versions where Lucene allows it (9 -> 10)
and fail with a clear error where it does not (10 -> 9); BM25 through the tool equals Anserini's own command-line
indexing and search; Pyserini's ``LuceneImpactSearcher`` opens the plugin's indexes.

``tests/data/impact-lucene-<version>/`` are the plugin's indexes of ``tests/data/impact-vectors.jsonl`` written by
each stack (``scripts/lucene_fixtures.py``)."""

import json
import os
import subprocess

import pytest

from lsr_lucene.errors import JvmError

from ..conftest import REPO

DATA = REPO / "tests" / "data"
VECTORS = DATA / "impact-vectors.jsonl"
FIXTURES = sorted(DATA.glob("impact-lucene-*"))
QUERIES = [{"alpha": 3, "beta": 1}, {"mu": 7, "kappa": 2, "eta": 5}, {"gamma": 1}, {"delta": 4, "nothing": 9}]


def _major(version: str) -> int:
    return int(version.split(".")[0])


def _exact_ranking(vector: dict[str, int], k: int = 10) -> list[tuple[str, float]]:
    """The dot product of ``vector`` with every document of VECTORS, best first, ties by document id."""
    scores = []
    for line in VECTORS.read_text().splitlines():
        doc = json.loads(line)
        score = sum(weight * doc["vector"].get(term, 0) for term, weight in vector.items())
        if score > 0:
            scores.append((doc["id"], float(score)))
    return sorted(scores, key=lambda hit: (-hit[1], hit[0]))[:k]


def test_the_fixtures_cover_both_lucene_versions():
    assert [p.name for p in FIXTURES] == ["impact-lucene-10.5.0", "impact-lucene-9.9.1"]


@pytest.mark.parametrize("engine", ["plugin", "anserini"])
@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_an_index_opens_under_its_own_or_the_next_lucene_else_a_clear_error(fixture, engine, jvm_started):
    from lsr_lucene import jvm
    from lsr_lucene.search.impact import open_impact_searcher

    written, running = fixture.name.rsplit("-", 1)[1], jvm.lucene_version()
    if _major(written) > _major(running):
        with pytest.raises(JvmError, match=rf"{fixture.name}: .*newer Lucene than this stack's {running}.*"
                                           r"--pyserini 2\.4\.0"):
            open_impact_searcher(fixture, engine)
        return
    with open_impact_searcher(fixture, engine) as searcher:
        for vector in QUERIES:
            hits = [(hit.doc_id, hit.score) for hit in searcher.search(vector, k=10)]
            assert [doc for doc, _ in hits] == [doc for doc, _ in _exact_ranking(vector)]
            assert [round(score) for _, score in hits] == [score for _, score in _exact_ranking(vector)]


def test_pyserinis_impact_searcher_opens_plugin_indexes(tmp_path, jvm_started):
    """Pyserini's own searcher (1.6 or 2.4, whichever is installed) on a plugin index built here and on every
    fixture this Lucene reads: the exact ranking."""
    from lsr_lucene import jvm
    from lsr_lucene.indexing.plugin import index_vector_files

    from lsr_lucene.pyserini_offline import import_pyserini_search

    os.environ.setdefault("OPENAI_API_KEY", "unused")  # pyserini.encode imports openai eagerly
    LuceneImpactSearcher = import_pyserini_search("pyserini.search.lucene").LuceneImpactSearcher

    queries = tmp_path / "queries.jsonl"
    queries.write_text("".join(json.dumps({"id": f"q{i}", "contents": f"q{i}", "vector": v}) + "\n"
                               for i, v in enumerate(QUERIES)))
    index_vector_files([VECTORS], tmp_path / "index", threads=2, progress=False)
    readable = [p for p in FIXTURES if _major(p.name.rsplit("-", 1)[1]) <= _major(jvm.lucene_version())]
    for index_dir in [tmp_path / "index", *readable]:
        searcher = LuceneImpactSearcher(str(index_dir), str(queries), min_idf=-1)
        for i, vector in enumerate(QUERIES):
            hits = [(hit.docid, round(hit.score)) for hit in searcher.search(f"q{i}", k=10)]
            assert hits == [(doc, score) for doc, score in _exact_ranking(vector)], index_dir


def test_bm25_equals_anserinis_own_indexing_command_and_pyserinis_searcher(tmp_path, scifact_sample, jvm_started):
    """The tool's BM25 (in-process IndexCollection + SimpleSearcher) against Anserini's IndexCollection run as a
    command in its own JVM and searched by Pyserini's LuceneSearcher, on the same documents and queries: the same
    run. (Anserini 2.3's SearchCollection looks its index up among the prebuilt ones online first, so it cannot
    run offline.)"""
    from lsr_lucene import jvm
    from lsr_lucene.indexing.anserini import index_bm25
    from lsr_lucene.pyserini_offline import import_pyserini_search
    from lsr_lucene.search.bm25 import Bm25Searcher

    docs, queries, _ = scifact_sample
    texts, qids = [q.text for q in queries], [q.id for q in queries]
    index_bm25(iter(docs), tmp_path / "ours", threads=1, progress=False, source="scifact-sample")
    with Bm25Searcher(tmp_path / "ours") as searcher:
        ours = searcher.batch_search(texts, qids, k=20)

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "docs.jsonl").write_text(
        "".join(json.dumps({"id": d.id, "contents": d.contents}) + "\n" for d in docs))
    done = subprocess.run([os.path.join(jvm.java_home(), "bin", "java"), "--sun-misc-unsafe-memory-access=allow",
                           "-cp", str(jvm.anserini_jar()), "io.anserini.index.IndexCollection", "-collection",
                           "JsonCollection", "-input", str(tmp_path / "corpus"), "-index", str(tmp_path / "theirs"),
                           "-threads", "1"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    os.environ.setdefault("OPENAI_API_KEY", "unused")  # pyserini.encode imports openai eagerly
    theirs = import_pyserini_search("pyserini.search.lucene").LuceneSearcher(str(tmp_path / "theirs"))
    results = theirs.batch_search(texts, qids, k=20, threads=1)
    assert sum(len(ours[q]) for q in qids) > 10 * len(qids)
    for qid in qids:
        assert [(h.doc_id, round(h.score, 4)) for h in ours[qid]] == [
            (h.docid, round(h.score, 4)) for h in results[qid]], qid
