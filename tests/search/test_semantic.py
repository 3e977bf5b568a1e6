"""semantic_search_lucene (sentence-transformers' decoded-embedding search helper on Lucene) returns numpy's exact
top-k of the quantized dot products, ties by corpus position, through a real JVM and real Lucene indexes."""

import math
import tempfile

import numpy as np
import pytest

from lsr_lucene.errors import ConfigError, EmbeddingsError, LsrLuceneError, ManifestError
from lsr_lucene.quantize import QuantizationConfig
from lsr_lucene.search.semantic import LuceneSparseIndex, semantic_search_lucene

from ..conftest import SLICE


@pytest.fixture(autouse=True)
def own_tempdir(tmp_path, monkeypatch):
    """Temporary indexes go under the test's folder, so that a test can see that none is left behind."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


def numpy_top_k(queries, corpus, top_k, config=QuantizationConfig()):
    """Exact top-k by numpy: impacts round(weight * scale) clipped to max_impact, dot products, score descending
    then position ascending, positive scores only, score = dot / scale**2."""
    tokens = sorted({token for embedding in queries + corpus for token, _ in embedding})
    vocab = {token: j for j, token in enumerate(tokens)}

    def matrix(embeddings):
        m = np.zeros((len(embeddings), len(vocab)), dtype=np.int64)
        for i, embedding in enumerate(embeddings):
            for token, weight in embedding:
                if weight > config.threshold:
                    m[i, vocab[token]] = min(round(weight * config.scale), config.max_impact)
        return m

    dots = matrix(queries) @ matrix(corpus).T
    results = []
    for row in dots:
        order = np.lexsort((np.arange(len(corpus)), -row))
        results.append([{"corpus_id": int(i), "score": int(row[i]) / config.scale ** 2}
                        for i in order[:top_k] if row[i] > 0])
    return results


def random_decoded(rng, n, vocab, max_terms):
    """Decoded embeddings over a small vocabulary (wordpieces, a token with a space) with weights on a coarse grid,
    so that many documents tie; some weights round to a zero impact."""
    tokens = [f"tok{j}" for j in range(vocab - 3)] + ["##ing", "[CLS]", "two words"]
    out = []
    for _ in range(n):
        chosen = rng.choice(len(tokens), size=rng.integers(0, max_terms + 1), replace=False)
        weights = rng.integers(0, 6, size=len(chosen)) * 0.25 + rng.choice([0.0, 0.001], size=len(chosen))
        out.append([(tokens[j], float(w)) for j, w in zip(chosen, weights)])
    return out


@pytest.mark.parametrize("config", [None, QuantizationConfig(scale=7.0, max_impact=6, threshold=0.3)])
def test_top_k_is_numpys_exact_top_k_with_ties_by_position(jvm_started, own_tempdir, config):
    rng = np.random.default_rng(15)
    corpus = random_decoded(rng, 300, 40, 12)
    queries = random_decoded(rng, 40, 40, 6) + [[("tok1", 0.25)], [("unseen", 1.0)], [("tok2", 0.001)], []]
    expected = numpy_top_k(queries, corpus, 25, config or QuantizationConfig())
    assert sum(len(r) for r in expected) > 500
    assert any(len({h["score"] for h in r}) < len(r) for r in expected)  # ties within a top k
    results, search_time = semantic_search_lucene(queries, corpus, top_k=25, quantization=config, threads=2)
    assert results == expected
    assert search_time > 0
    assert list(own_tempdir.iterdir()) == []  # the temporary index is gone


def test_sparse_encoder_embeddings_pass_through(jvm_started, splade_tiny, tmp_path):
    from sentence_transformers import SparseEncoder

    from lsr_lucene.collections import load_collection

    collection = load_collection(str(SLICE))
    docs = [d for _, d in zip(range(50), collection.docs_iter())]
    texts = [q.text for _, q in zip(range(20), collection.queries_iter())]
    model = SparseEncoder(splade_tiny, device="cpu")
    corpus = model.decode(model.encode_document([d.contents for d in docs], convert_to_sparse_tensor=True))
    queries = model.decode(model.encode_query(texts, convert_to_sparse_tensor=True))
    results, _, index = semantic_search_lucene(queries, corpus, top_k=10, output_index=True,
                                               index_path=tmp_path / "index")
    with index:
        assert results == numpy_top_k(queries, corpus, 10)
        assert all(len(r) == 10 for r in results)
        assert index.num_docs == 50
        # scores are the model's dot products up to quantization
        similarity = model.similarity(model.encode_query(texts), model.encode_document([d.contents for d in docs]))
        for q, hits in enumerate(results):
            for hit in hits:
                assert math.isclose(hit["score"], float(similarity[q, hit["corpus_id"]]), rel_tol=0.02, abs_tol=0.02)


def test_passing_the_index_back_searches_it_without_rebuilding(jvm_started, own_tempdir, tmp_path):
    rng = np.random.default_rng(3)
    corpus, queries = random_decoded(rng, 120, 30, 8), random_decoded(rng, 15, 30, 5)
    results, _, index = semantic_search_lucene(queries, corpus, top_k=5, output_index=True)
    folder = index.path
    files = sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir())
    again, _ = semantic_search_lucene(queries[:4], corpus_index=index, top_k=5)
    assert again == results[:4]
    assert index.search(queries, top_k=5) == results  # still open: the caller's index is not closed for it
    again, _, same = semantic_search_lucene(queries, corpus_index=index, top_k=5, output_index=True)
    assert same is index and again == results
    assert sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir()) == files
    with pytest.raises(ConfigError, match="differs from the index's"):
        semantic_search_lucene(queries, corpus_index=index, quantization=QuantizationConfig(scale=10.0))
    index.close()
    assert not folder.exists() and list(own_tempdir.iterdir()) == []  # a temporary index goes with close()

    # an index at index_path stays, and its path is a corpus_index too (opened and closed by the call)
    kept = tmp_path / "kept"
    results, _ = semantic_search_lucene(queries, corpus, top_k=7, index_path=kept)
    assert (kept / "manifest.json").is_file()
    assert semantic_search_lucene(queries, corpus_index=str(kept), top_k=7)[0] == results
    with LuceneSparseIndex(kept) as reopened:
        assert reopened.quantization == QuantizationConfig()
        assert reopened.search(queries, top_k=7) == results


BAD = [
    ("corpus", "tok1", "corpus embeddings must be a list of decoded embeddings"),
    ("corpus", [[("a", 1.0)], ("b", 1.0)], "corpus 1 is one \\(token, weight\\) pair"),
    ("corpus", [[("a", 1.0)], [("b", 1.0), ("c",)]], "corpus 1: \\('c',\\) is not a \\(token, weight\\) pair"),
    ("corpus", [[("a", 1.0)], [(3, 1.0)]], "corpus 1: \\(3, 1.0\\) is not a"),
    ("corpus", [[("a", 1.0)], [("b", "x")]], "corpus 1: \\('b', 'x'\\) is not a"),
    ("corpus", [[("a", 1.0)], [("b", -0.5)]], "corpus 1: weights must be finite and >= 0, got -0.5"),
    ("corpus", [[("a", 1.0)], [("b", float("nan"))]], "corpus 1: weights must be finite"),
    ("corpus", [[("a", 1.0), ("b", 1.0), ("a", 2.0)]], "corpus 0: token 'a' appears twice"),
    ("corpus", [[("a", 1.0)], [("", 1.0)]], "corpus 1: empty token"),
    ("corpus", [[("a b", 1.0)], [("a%20b", 1.0)]], "corpus 1: tokens 'a b' and 'a%20b' both become"),
    ("corpus", [], "corpus_embeddings_decoded is empty"),
    ("corpus", [[("a", 0.001)], []], "no corpus embedding keeps a weight after quantization"),
    ("queries", [[("a", 1.0)], 7], "query 1 is a int, not a list"),
    ("queries", [[("a", float("inf"))]], "query 0: weights must be finite"),
]


@pytest.mark.parametrize("which, value, message", BAD, ids=[m[:30] for _, _, m in BAD])
def test_bad_embeddings_are_named(jvm_started, own_tempdir, which, value, message):
    corpus, queries = [[("a", 1.0)], [("b", 2.0)]], [[("a", 1.0)]]
    if which == "corpus":
        corpus = value
    else:
        queries = value
    with pytest.raises(EmbeddingsError, match=message) as caught:
        semantic_search_lucene(queries, corpus)
    assert isinstance(caught.value, ValueError)  # as sentence-transformers' own helpers raise
    assert list(own_tempdir.iterdir()) == []


def test_bad_arguments_are_named(jvm_started, tmp_path):
    queries, corpus = [[("a", 1.0)]], [[("a", 1.0)]]
    with pytest.raises(EmbeddingsError, match="Either corpus_embeddings_decoded or corpus_index"):
        semantic_search_lucene(queries)
    with pytest.raises(ConfigError, match="top_k must be an integer >= 1, got 0"):
        semantic_search_lucene(queries, corpus, top_k=0)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(ManifestError, match="full: already exists"):
        semantic_search_lucene(queries, corpus, index_path=tmp_path / "full")
    with pytest.raises(LsrLuceneError, match="not a Lucene index"):
        semantic_search_lucene(queries, corpus_index=tmp_path / "full")
