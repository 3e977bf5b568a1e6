"""The scale benchmark's corpus generator against real SPLADE-tiny vectors (120 SciFact documents): the synthetic
documents keep the real length, term document-frequency and impact distributions without being copies; the corpus
folder is an encode output both indexers read, written resumably; BMP's integer widths are respected."""

import numpy as np
import pytest

from benchmarks import bmp_anchor, scale
from benchmarks.scale_corpus import CorpusStats, VectorPool, compare, pool_stats, recombine, write_corpus


@pytest.fixture(scope="module")
def pool(scifact_sample_vectors):
    return VectorPool.read({"scifact": scifact_sample_vectors[0]})


def generated(pool, n, seed=0, swap=0.5):
    stats = CorpusStats()
    indptr, terms, impacts = recombine(pool, n, np.random.default_rng(seed), swap)
    stats.add(indptr, terms, impacts, len(pool.terms))
    return stats, (indptr, terms, impacts)


def test_synthetic_documents_keep_the_real_distributions(pool):
    stats, _ = generated(pool, 4000)
    distance = compare(pool_stats(pool), stats)
    assert distance["length_ks"] < 0.05 and distance["impact_ks"] < 0.02
    # (df fractions of a 120-document pool are multiples of 1/120, hence the loose bound on their KS distance)
    assert distance["df_profile_tv"] < 0.05 and distance["df_spearman"] > 0.9 and distance["df_fraction_ks"] < 0.25
    # a generator that keeps lengths and impacts but draws terms at random fails the term statistics
    rng = np.random.default_rng(1)
    lengths = rng.choice(np.diff(pool.indptr), 4000)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    shuffled = CorpusStats()
    shuffled.add(indptr, rng.integers(0, len(pool.terms), indptr[-1]), rng.choice(pool.impacts, indptr[-1]),
                 len(pool.terms))
    bad = compare(pool_stats(pool), shuffled)
    assert bad["df_profile_tv"] > 0.3 and bad["df_spearman"] < 0.5 and bad["df_fraction_ks"] > 0.5
    assert bad["impact_ks"] < 0.02


def test_synthetic_documents_are_new_term_sets_of_real_lengths(pool):
    _, (indptr, terms, impacts) = generated(pool, 2000)
    real = {frozenset(pool.indices[pool.indptr[i]:pool.indptr[i + 1]].tolist()) for i in range(pool.num_docs)}
    real_lengths = set(np.diff(pool.indptr).tolist())
    copies = 0
    for d in range(2000):
        doc = terms[indptr[d]:indptr[d + 1]].tolist()
        assert len(set(doc)) == len(doc) and len(doc) in real_lengths  # A's length, no term twice
        copies += frozenset(doc) in real
    assert (impacts >= 1).all()
    assert copies < 0.05 * 2000
    _, (indptr0, terms0, _) = generated(pool, 2000, swap=0.0)  # without swaps every document is a real one
    assert all(frozenset(terms0[indptr0[d]:indptr0[d + 1]].tolist()) in real for d in range(200))


def test_corpus_folder_is_an_encode_output_and_resumes(pool, tmp_path):
    from lsr_lucene.io.vectors import DOCS_KIND, read_vectors

    manifest = write_corpus(pool, 500, tmp_path / "c", doc_scale=0.125, shard_size=200, chunk=150, progress=False)
    assert manifest["complete"] and [s["records"] for s in manifest["shards"]] == [200, 200, 100]
    assert manifest["max_impact"] == int(np.ceil(pool.impacts.max() * 0.125))
    assert manifest["config"]["doc_scale"] == 0.125 and manifest["fidelity"]["df_spearman"] > 0.8
    vectors = list(read_vectors(tmp_path / "c", DOCS_KIND))
    assert [d for d, _ in vectors[:2]] == ["s0000000", "s0000001"] and len(vectors) == 500
    assert sum(len(v) for _, v in vectors) == manifest["totals"]["postings"]
    first = (tmp_path / "c" / manifest["shards"][0]["file"]).read_bytes()
    (tmp_path / "c" / manifest["shards"][2]["file"]).unlink()  # an interrupted run: the last shard is missing
    partial = dict(manifest, shards=manifest["shards"][:2], complete=False)
    from lsr_lucene.io.manifest import write_manifest

    write_manifest(tmp_path / "c", partial)
    again = write_corpus(pool, 500, tmp_path / "c", doc_scale=0.125, shard_size=200, chunk=150, progress=False)
    assert again["shards"] == manifest["shards"] and again["statistics"] == manifest["statistics"]
    assert (tmp_path / "c" / manifest["shards"][0]["file"]).read_bytes() == first


def test_bmp_query_scale_and_integer_widths():
    query = {"a": 221, "b": 7, "c": 1}
    quantized = bmp_anchor.bmp_query(query)
    assert quantized == {"a": 32, "b": 2, "c": 1}  # ceil(w * 32 / 221)
    assert bmp_anchor.bmp_query(quantized) == quantized  # BMP's own rescaling is then the identity
    bmp_anchor.check_scores([65_535.0], 255)
    with pytest.raises(ValueError, match="u16"):
        bmp_anchor.check_scores([70_000.0], 34)
    with pytest.raises(ValueError, match="u8"):
        bmp_anchor.check_scores([10.0], 300)


def test_recall_counts_ties_at_the_tenth_score_as_exact():
    exact = (np.array([list(range(12)) + [-1] * 88]), np.array([[20.0] * 9 + [5.0, 5.0, 5.0] + [np.nan] * 88]))
    tied = (np.array([list(range(9)) + [11] + [-1] * 90]), exact[1])
    wrong = (np.array([list(range(9)) + [50] + [-1] * 90]), exact[1])
    assert scale.recall_at_10(exact, tied) == 1.0 and scale.same_ranking(exact, tied) == 1
    assert scale.recall_at_10(exact, wrong) == 0.9 and scale.same_ranking(exact, wrong) == 0
