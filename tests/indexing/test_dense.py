"""Faiss indexes of real MiniLM vectors: exact flat search, HNSW and IVF-PQ options, and Pyserini's FaissSearcher
opening the same folder."""

import os

import numpy as np
import pytest

from lsr_lucene.errors import ConfigError, InputFileError, ManifestError


def load_vectors(vectors_dir):
    from lsr_lucene.encoding.stages.dense import DENSE_KIND
    from lsr_lucene.io.array_shards import read_array_shards

    ids, blocks = [], []
    for shard_ids, vectors in read_array_shards(vectors_dir, DENSE_KIND):
        ids += shard_ids
        blocks.append(np.asarray(vectors))
    return ids, np.concatenate(blocks)


def test_vectors_and_index_layout(small_dense):
    from lsr_lucene.io.manifest import read_manifest

    index_dir, vectors_dir, docs, _, _ = small_dense
    ids, vectors = load_vectors(vectors_dir)
    assert ids == [d.id for d in docs] and vectors.shape == (120, 384)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx(1.0, abs=1e-5)  # MiniLM's Normalize module
    assert len(read_manifest(vectors_dir)["shards"]) == 3
    assert (index_dir / "docid").read_text().splitlines() == ids
    manifest = read_manifest(index_dir)
    assert manifest["documents"] == 120 and manifest["encode"]["model"] == "all-MiniLM-L6-v2"
    assert manifest["pooling"]["modes"] == ["mean"] and manifest["pooling"]["normalize"] is True


def test_flat_search_is_exact_inner_product(small_dense, minilm):
    from lsr_lucene.search.dense import DenseSearcher

    index_dir, vectors_dir, _, queries, _ = small_dense
    ids, vectors = load_vectors(vectors_dir)
    with DenseSearcher(index_dir, encoder=minilm) as searcher:
        run = searcher.batch_search([q.text for q in queries], [q.id for q in queries], k=10)
        matrix = searcher.encode([q.text for q in queries])
        for query, qvec in zip(queries, matrix):
            scores = vectors @ qvec
            top = np.argsort(-scores, kind="stable")[:10]
            assert [h.doc_id for h in run[query.id]] == [ids[i] for i in top]
            assert [h.score for h in run[query.id]] == pytest.approx(scores[top].tolist(), abs=1e-5)
        assert searcher.search(queries[0].text, k=10) == run[queries[0].id]
        assert len(searcher.search(matrix[0], k=500)) == 120  # k beyond the collection: every document once


def test_finished_index_is_kept_and_another_config_is_refused(small_dense):
    from lsr_lucene.indexing.dense import DenseIndexConfig, index_dense

    index_dir, vectors_dir, *_ = small_dense
    before = (index_dir / "index").stat().st_mtime_ns
    assert index_dense(vectors_dir, index_dir, progress=False)["documents"] == 120
    assert (index_dir / "index").stat().st_mtime_ns == before
    with pytest.raises(ManifestError, match="other vectors or settings"):
        index_dense(vectors_dir, index_dir, DenseIndexConfig("hnsw"), progress=False)


def test_hnsw_and_ivfpq_options_approximate_the_flat_ranking(small_dense, minilm, tmp_path):
    from lsr_lucene.indexing.dense import DenseIndexConfig, index_dense
    from lsr_lucene.search.dense import DenseSearcher

    index_dir, vectors_dir, _, queries, _ = small_dense
    with DenseSearcher(index_dir, encoder=minilm) as flat:
        matrix = flat.encode([q.text for q in queries])
        exact = flat.batch_search(matrix, [q.id for q in queries], k=10)
    configs = {"hnsw": DenseIndexConfig("hnsw", hnsw_m=16),
               "ivfpq": DenseIndexConfig("ivfpq", nlist=4, pq_m=48, pq_bits=4, nprobe=4)}
    for name, config in configs.items():
        index_dense(vectors_dir, tmp_path / name, config, progress=False)
        with DenseSearcher(tmp_path / name) as searcher:
            approx = searcher.batch_search(matrix, [q.id for q in queries], k=10)
        overlap = np.mean([len({h.doc_id for h in approx[q]} & {h.doc_id for h in exact[q]}) / 10 for q in exact])
        top1 = np.mean([approx[q][0].doc_id == exact[q][0].doc_id for q in exact])
        # 4-bit codes trained on 120 vectors are coarse; a random ranking would overlap ~0.08
        assert overlap >= (0.95 if name == "hnsw" else 0.5) and top1 >= (1.0 if name == "hnsw" else 0.5), (
            name, overlap, top1)


def test_ivfpq_with_too_few_vectors_says_why(small_dense, tmp_path):
    from lsr_lucene.indexing.dense import DenseIndexConfig, index_dense

    _, vectors_dir, *_ = small_dense
    with pytest.raises(ConfigError, match="ivfpq needs at least 256 vectors"):
        index_dense(vectors_dir, tmp_path / "ivf", DenseIndexConfig("ivfpq", nlist=2), progress=False)
    assert not (tmp_path / "ivf").exists()


def test_not_an_index_folder(tmp_path):
    from lsr_lucene.search.dense import DenseSearcher

    with pytest.raises(InputFileError, match="not a faiss index folder"):
        DenseSearcher(tmp_path)


def test_pyserini_faiss_searcher_opens_the_index(small_dense, minilm, jvm_started):
    os.environ.setdefault("OPENAI_API_KEY", "unused")
    from lsr_lucene.pyserini_offline import import_pyserini_search

    FaissSearcher = import_pyserini_search("pyserini.search.faiss").FaissSearcher

    from lsr_lucene.search.dense import DenseSearcher

    index_dir, _, _, queries, _ = small_dense
    pyserini = FaissSearcher(str(index_dir), None)
    assert pyserini.num_docs == 120 and pyserini.dimension == 384
    with DenseSearcher(index_dir, encoder=minilm) as ours:
        matrix = ours.encode([q.text for q in queries])
        expected = ours.batch_search(matrix, [q.id for q in queries], k=10)
    for query, vector in zip(queries, matrix):
        hits = pyserini.search(vector.reshape(1, -1), k=10)  # a pre-encoded query
        assert [h.docid for h in hits] == [h.doc_id for h in expected[query.id]]
        assert [float(h.score) for h in hits] == pytest.approx([h.score for h in expected[query.id]], abs=1e-6)
    batch = pyserini.batch_search(matrix, [q.id for q in queries], k=10)
    assert {q: [h.docid for h in hits] for q, hits in batch.items()} == {
        q: [h.doc_id for h in hits] for q, hits in expected.items()}
