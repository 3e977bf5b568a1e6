"""Hybrid search on real indexes: dense (faiss) + BM25 (Lucene) + SPLADE-tiny impact, Pyserini searchers plugged in,
and the one-hit case that breaks Pyserini's HybridSearcher."""

import math
import os
import re
from collections import Counter

import pytest

from lsr_lucene.search.fusion import FusionConfig, fuse


@pytest.fixture(scope="module")
def bm25_index(tmp_path_factory, scifact_sample, jvm_started):
    from lsr_lucene.indexing.anserini import index_bm25

    docs, _, _ = scifact_sample
    folder = tmp_path_factory.mktemp("bm25") / "index"
    index_bm25(iter(docs), folder, threads=1, progress=False, source="scifact-sample")
    return folder


def test_hybrid_searcher_fuses_what_each_searcher_returns(small_dense, minilm, bm25_index):
    from lsr_lucene.search.bm25 import Bm25Searcher
    from lsr_lucene.search.dense import DenseSearcher
    from lsr_lucene.search.hybrid import HybridSearcher

    index_dir, _, _, queries, _ = small_dense
    texts, qids = [q.text for q in queries], [q.id for q in queries]
    with DenseSearcher(index_dir, encoder=minilm) as dense, Bm25Searcher(bm25_index) as bm25:
        hybrid = HybridSearcher([dense, bm25], "minmax", weights=(0.6, 0.4), depth=50)
        fused = hybrid.batch_search(texts, qids, k=10)
        expected = fuse([dense.batch_search(texts, qids, 50), bm25.batch_search(texts, qids, 50)],
                        FusionConfig("minmax", (0.6, 0.4), k=10))
        assert fused == expected and list(fused) == qids
        assert hybrid.search(texts[0], k=10) == fused[qids[0]]
        assert all(len(hits) == 10 for hits in fused.values())


def test_pyserini_searchers_plug_in(small_dense, minilm, bm25_index):
    os.environ.setdefault("OPENAI_API_KEY", "unused")
    from lsr_lucene.pyserini_offline import import_pyserini_search

    LuceneSearcher = import_pyserini_search("pyserini.search.lucene").LuceneSearcher

    from lsr_lucene.search.bm25 import Bm25Searcher
    from lsr_lucene.search.dense import DenseSearcher
    from lsr_lucene.search.hybrid import HybridSearcher

    index_dir, _, _, queries, _ = small_dense
    texts, qids = [q.text for q in queries], [q.id for q in queries]
    with DenseSearcher(index_dir, encoder=minilm) as dense, Bm25Searcher(bm25_index) as ours:
        theirs = LuceneSearcher(str(bm25_index))  # Pyserini's own BM25 searcher (k1=0.9, b=0.4)
        with_pyserini = HybridSearcher([theirs, dense], "rrf").batch_search(texts, qids, k=10)
        with_ours = HybridSearcher([ours, dense], "rrf").batch_search(texts, qids, k=10)
        assert with_pyserini == with_ours
        assert HybridSearcher([theirs, dense], "rrf").search(texts[0], k=10) == with_ours[qids[0]]


def _rare_word_query(docs, bm25):
    """A word found in one sample document whose BM25 search returns that single hit."""
    words = Counter(w for d in docs for w in set(re.findall(r"[a-z]{9,}", d.contents.lower())))
    for word in sorted(w for w, n in words.items() if n == 1):
        hits = bm25.search(word, 10)
        if len(hits) == 1:
            return word, hits
    pytest.fail("no single-hit word in the sample")


def test_a_single_hit_side_fuses_where_pyserini_divides_by_zero(small_dense, minilm, bm25_index, scifact_sample):
    os.environ.setdefault("OPENAI_API_KEY", "unused")
    from lsr_lucene.pyserini_offline import import_pyserini_search

    import_pyserini_search()  # before any pyserini.search module: Pyserini 2.4 goes online at import
    from pyserini.search.faiss import DenseSearchResult
    from pyserini.search.hybrid import HybridSearcher as PyseriniHybrid

    from lsr_lucene.search.bm25 import Bm25Searcher
    from lsr_lucene.search.dense import DenseSearcher
    from lsr_lucene.search.hybrid import HybridSearcher

    docs, _, _ = scifact_sample
    index_dir = small_dense[0]
    with DenseSearcher(index_dir, encoder=minilm) as dense, Bm25Searcher(bm25_index) as bm25:
        word, sparse_hits = _rare_word_query(docs, bm25)
        dense_hits = dense.search(word, 10)
        for method in ("minmax", "zscore", "rrf"):
            fused = HybridSearcher([bm25, dense], method).search(word, k=10)
            assert len(fused) == 10 and all(math.isfinite(h.score) for h in fused)
            assert sparse_hits[0].doc_id in [h.doc_id for h in fused]
            if method != "zscore":  # the single hit counts as its run's best: it leads unless dense disagrees
                assert fused[0].doc_id == sparse_hits[0].doc_id
        with pytest.raises(ZeroDivisionError):
            PyseriniHybrid._hybrid_results([DenseSearchResult(h.doc_id, h.score) for h in dense_hits],
                                           [DenseSearchResult(h.doc_id, h.score) for h in sparse_hits],
                                           alpha=0.5, k=10, normalization=True)


def test_splade_text_searcher_matches_pre_encoded_queries(tmp_path, scifact_sample, encoder, jvm_started):
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents, encode_queries
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.splade import ImpactSearcher
    from lsr_lucene.search.impact import AnseriniImpactSearcher

    docs, queries, _ = scifact_sample
    config = EncodeConfig(dtype="fp32", max_length=128)
    settings = EncodeSettings(progress=False)
    encode_documents(iter(docs), tmp_path / "vectors", config, settings, encoder=encoder)
    index_impact(tmp_path / "vectors", tmp_path / "index", threads=1, progress=False)
    encode_queries(queries, tmp_path / "qvecs", config, settings, encoder=encoder)
    vectors = list(read_vectors(tmp_path / "qvecs"))
    with AnseriniImpactSearcher(tmp_path / "index") as impact, ImpactSearcher(tmp_path / "index") as text:
        assert text.encoder.config == config  # read back from the index manifest
        expected = impact.batch_search([v for _, v in vectors], [q for q, _ in vectors], k=20)
        assert text.batch_search([q.text for q in queries], [q.id for q in queries], k=20) == expected
        assert text.search(queries[0].text, k=20) == expected[queries[0].id]
        columns = text.search_columns([q.text for q in queries], [q.id for q in queries], k=20)
        assert columns.to_run() == expected  # what HybridSearcher fuses
