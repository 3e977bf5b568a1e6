"""Approximate impact search on a real index of 120 SciFact documents encoded by SPLADE-tiny: every knob at its exact
setting gives the exact hits; query-term pruning searches exactly the heaviest terms; an over-estimated threshold
returns exact scores but may miss documents; static pruning indexes each document's heaviest terms."""

import json
import math

import numpy as np
import pytest

from lsr_lucene.search.reference import ReferenceScorer

TOP = 12
"""Postings per term of the top-postings field of the test index (120 documents)."""


@pytest.fixture(scope="module")
def small(tmp_path_factory, scifact_sample_vectors, jvm_started):
    """(root, document vectors, query vectors): queries are the judged test queries plus 30 documents used as
    queries (long vectors, as ArguAna's are)."""
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.io.vectors import DOCS_KIND, read_vectors

    vectors_dir, queries_dir = scifact_sample_vectors
    root = tmp_path_factory.mktemp("approximate")
    index_impact(vectors_dir, root / "index", threads=1, progress=False)
    index_impact(vectors_dir, root / "top", threads=2, progress=False, term_top_postings=TOP)
    vectors = list(read_vectors(vectors_dir, DOCS_KIND))
    return root, vectors_dir, queries_dir, vectors, list(read_vectors(queries_dir)) + vectors[::4]


def keep_mass(vector, mass):
    """The reference of query-term pruning: heaviest terms first (ties in input order) until ``mass`` of the
    total weight is reached."""
    total, kept, running = sum(vector.values()), {}, 0
    for term, weight in sorted(vector.items(), key=lambda tw: -tw[1]):
        kept[term] = weight
        running += weight
        if running >= mass * total:
            break
    return kept


def search(index, queries, strategy="auto", approximation=None, k=10, cache_mb=None):
    from lsr_lucene.search.approximate import EXACT
    from lsr_lucene.search.plugin import PluginImpactSearcher

    with PluginImpactSearcher(index, strategy, approximation or EXACT, postings_cache_mb=cache_mb) as searcher:
        run = searcher.batch_search([v for _, v in queries], [q for q, _ in queries], k, threads=2)
        assert len(searcher.last_latencies) == len(queries) and (searcher.last_latencies > 0).all()
        return run


@pytest.mark.parametrize("index", ["index", "top"])
@pytest.mark.parametrize("strategy", ["auto", "exhaustive", "pruned"])
def test_every_knob_at_its_exact_setting_gives_the_exact_hits(small, strategy, index):
    from lsr_lucene.search.approximate import Approximation, approximation

    root, _, _, docs, queries = small
    reference = ReferenceScorer(docs)
    expected = {q: reference.search(v, 10) for q, v in queries}
    assert search(root / index, queries, strategy) == expected
    assert search(root / index, queries, strategy, Approximation(1.0, 1.0, 100)) == expected
    assert search(root / index, queries, strategy, approximation("exact")) == expected


def test_exact_preset_through_the_public_searcher(small):
    from lsr_lucene.search.splade import ImpactSearcher

    root, _, _, docs, queries = small
    reference = ReferenceScorer(docs)
    with ImpactSearcher(root / "index", approximate="exact") as searcher:
        assert searcher.approximation.exact
        assert searcher.batch_search([v for _, v in queries], [q for q, _ in queries], 10) == {
            q: reference.search(v, 10) for q, v in queries}


@pytest.mark.parametrize("mass", [0.9, 0.5, 0.2])
def test_query_mass_searches_exactly_the_heaviest_terms(small, mass):
    from lsr_lucene.search.approximate import Approximation

    root, _, _, docs, queries = small
    reference = ReferenceScorer(docs)
    run = search(root / "index", queries, "exhaustive", Approximation(query_mass=mass))
    shortened = 0
    for q, vector in queries:
        kept = keep_mass(vector, mass)
        shortened += len(kept) < len(vector)
        assert run[q] == reference.search(kept, 10)
    assert shortened >= len(queries) // 2


@pytest.fixture(scope="module")
def larger(small, tmp_path_factory):
    """3,000 documents: the 120 real vectors 25 times over, impacts jittered (enough postings blocks and matches
    for Lucene to skip)."""
    import random

    from lsr_lucene.indexing.impact import index_impact
    from tests.search.test_exactness import write_vectors

    *_, docs, queries = small
    rng = random.Random(5)
    copies = [(f"{doc_id}-{c:02d}", {t: w + rng.randint(0, 30) for t, w in vector.items()})
              for c in range(25) for doc_id, vector in docs]
    root = tmp_path_factory.mktemp("larger")
    write_vectors(root / "vectors", copies, shard_size=1000)
    index_impact(root / "vectors", root / "index", threads=2, progress=False)
    return root / "index", copies, queries


def assert_rescored(hits, first, full, ids, candidates, k=10):
    """``hits`` are the best ``k`` by exact (``full``) score of ``candidates`` documents with the best ``first``
    scores (of those tied at the last place, any): exact scores, best first, ties by id; only candidates; and every
    document scoring above the last candidate's first score that beats the k-th hit is there."""
    from lsr_lucene.types import Hit

    position = {doc_id: i for i, doc_id in enumerate(ids)}
    ranked = sorted(range(len(ids)), key=lambda i: -first[i])
    if first[ranked[0]] == 0:
        assert hits == []
        return
    cut = max(first[ranked[min(candidates, len(ranked)) - 1]], 1)
    assert hits == [Hit(h.doc_id, float(full[position[h.doc_id]])) for h in hits]
    assert hits == sorted(hits, key=lambda h: (-h.score, h.doc_id)) and len(hits) <= k
    assert all(first[position[h.doc_id]] >= cut for h in hits)
    last = hits[-1].score if len(hits) == k else 0
    sure = {ids[i] for i in range(len(ids)) if first[i] > cut and full[i] > last}
    assert sure <= {h.doc_id for h in hits}


@pytest.mark.parametrize("index", ["index", "top"])  # rescored through postings, or the forward vectors
@pytest.mark.parametrize("strategy", ["exhaustive", "pruned"])
def test_candidates_of_the_pruned_query_are_rescored_with_the_whole_query(small, strategy, index):
    from lsr_lucene.search.approximate import Approximation

    root, _, _, docs, queries = small
    reference = ReferenceScorer(docs)
    ids = [doc_id for doc_id, _ in docs]
    run = search(root / index, queries, strategy, Approximation(query_mass=0.4, candidates=30))
    better = 0
    for q, vector in queries:
        assert_rescored(run[q], reference.scores(keep_mass(vector, 0.4)), reference.scores(vector), ids, 30)
        pruned_only = {h.doc_id for h in reference.search(keep_mass(vector, 0.4), 10)}
        exact = {h.doc_id for h in reference.search(vector, 10)}
        better += len(exact & {h.doc_id for h in run[q]}) - len(exact & pruned_only)
    assert better > 0  # rescoring recovers documents the pruned query alone ranks too low


def top_contributions(docs, query, fraction):
    """The reference of the postings fraction: each document's sum of its contributions (impact times weight) that are
    at or above the contribution where the query's postings, by contribution, reach ``fraction`` of them all."""
    ranked = sorted((i * query[t] for _, v in docs for t, i in v.items() if t in query), reverse=True)
    threshold = ranked[math.ceil(fraction * len(ranked)) - 1] if ranked else 0
    return np.array([sum(i * query[t] for t, i in v.items() if t in query and i * query[t] >= threshold)
                     for _, v in docs])


def test_postings_fraction_sums_the_largest_contributions(small):
    from lsr_lucene.search.approximate import Approximation
    from lsr_lucene.types import Hit

    root, _, _, docs, queries = small
    ids = [doc_id for doc_id, _ in docs]
    run = search(root / "index", queries, "auto", Approximation(postings_fraction=0.2))  # no rescoring
    for q, vector in queries:
        partial = top_contributions(docs, vector, 0.2)
        ranked = sorted(np.flatnonzero(partial > 0).tolist(), key=lambda i: (-partial[i], ids[i]))[:10]
        assert run[q] == [Hit(ids[i], float(partial[i])) for i in ranked]


def delete(index, ids):
    """Delete the documents ``ids`` from ``index`` with a plain Lucene writer (deleted, not expunged)."""
    from lsr_lucene import jvm

    directory = jvm.autoclass("org.apache.lucene.store.FSDirectory").open(
        jvm.autoclass("java.io.File")(str(index)).toPath())
    writer = jvm.autoclass("org.apache.lucene.index.IndexWriter")(
        directory, jvm.autoclass("org.apache.lucene.index.IndexWriterConfig")())
    term, query = jvm.autoclass("org.apache.lucene.index.Term"), jvm.autoclass("org.apache.lucene.search.TermQuery")
    writer.deleteDocuments(*[jvm.cast("org.apache.lucene.search.Query", query(term("id", d))) for d in sorted(ids)])
    writer.commit()
    writer.close()
    directory.close()


def test_postings_fraction_over_many_blocks_skips_deleted_documents(larger, tmp_path):
    """3,000 documents (94 blocks of 32): the k-th largest block maximum bounds what enters the top k; deleted
    documents (still in the segment) may hold those maxima, and must neither be returned nor raise that bound."""
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.approximate import Approximation
    from lsr_lucene.types import Hit

    _, docs, queries = larger
    ids = [doc_id for doc_id, _ in docs]
    partials = {q: top_contributions(docs, vector, 0.2) for q, vector in queries}
    gone = {ids[i] for p in partials.values() for i in np.argsort(-p, kind="stable")[:3]}  # each query's best 3
    index_impact(larger[0].parent / "vectors", tmp_path / "index", threads=2, progress=False)
    delete(tmp_path / "index", gone)
    for index, deleted in [(larger[0], set()), (tmp_path / "index", gone)]:
        run = search(index, queries, "auto", Approximation(postings_fraction=0.2))  # no rescoring
        for q, _ in queries:
            partial = partials[q]
            live = [i for i in np.flatnonzero(partial > 0).tolist() if ids[i] not in deleted]
            ranked = sorted(live, key=lambda i: (-partial[i], ids[i]))[:10]
            assert run[q] == [Hit(ids[i], float(partial[i])) for i in ranked]


def test_postings_fraction_over_several_ranges(tmp_path, jvm_started):
    """70,000 documents (in index order): past the first range of 65,536 documents, only the documents whose sums
    reach the collector's bound are noted while summing; the top k stay those of the reference, with and without
    deleted documents in both ranges."""
    import random

    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.approximate import Approximation
    from lsr_lucene.types import Hit
    from tests.search.test_exactness import write_vectors

    rng = random.Random(11)
    vocabulary = [f"t{i}" for i in range(300)]
    docs = [(f"d{d:05d}", {t: rng.randint(1, 50) for t in rng.sample(vocabulary, 4)}) for d in range(70_000)]
    queries = [(f"q{i}", {t: rng.randint(1, 30) for t in rng.sample(vocabulary, 6)}) for i in range(12)]
    write_vectors(tmp_path / "vectors", docs, shard_size=35_000)
    index_impact(tmp_path / "vectors", tmp_path / "index", threads=1, progress=False)
    ids = [doc_id for doc_id, _ in docs]
    partials = {q: top_contributions(docs, vector, 0.2) for q, vector in queries}
    gone = {ids[i] for p in partials.values() for i in np.argsort(-p, kind="stable")[:3]}
    gone |= {ids[65_536 + i] for p in partials.values() for i in np.argsort(-p[65_536:], kind="stable")[:3]}
    for deleted in [set(), gone]:
        if deleted:
            delete(tmp_path / "index", deleted)
        run = search(tmp_path / "index", queries, "auto", Approximation(postings_fraction=0.2))  # no rescoring
        for q, _ in queries:
            partial = partials[q]
            live = [i for i in np.flatnonzero(partial > 0).tolist() if ids[i] not in deleted]
            ranked = sorted(live, key=lambda i: (-partial[i], ids[i]))[:10]
            assert run[q] == [Hit(ids[i], float(partial[i])) for i in ranked]


@pytest.mark.parametrize("cache_mb", [None, 0])  # rescored from the heap copy; from doc values or postings
@pytest.mark.parametrize("index", ["index", "top"])
def test_candidates_of_the_largest_contributions_get_exact_scores(small, index, cache_mb):
    from lsr_lucene.search.approximate import Approximation

    root, _, _, docs, queries = small
    reference = ReferenceScorer(docs)
    ids = [doc_id for doc_id, _ in docs]
    run = search(root / index, queries, "auto", Approximation(postings_fraction=0.1, candidates=20), cache_mb=cache_mb)
    missed = better = 0
    for q, vector in queries:
        partial = top_contributions(docs, vector, 0.1)
        assert_rescored(run[q], partial, reference.scores(vector), ids, 20)
        exact = {h.doc_id for h in reference.search(vector, 10)}
        first = {ids[i] for i in sorted(range(len(ids)), key=lambda i: (-partial[i], ids[i]))[:10]}
        missed += len(exact - {h.doc_id for h in run[q]})
        better += len(exact & {h.doc_id for h in run[q]}) - len(exact & first)
    assert missed > 0 and better > 0  # approximate, and rescoring recovers what the partial sums rank too low


def test_at_least_k_candidates_are_rescored(small):
    from lsr_lucene.search.approximate import Approximation

    root, _, _, docs, queries = small
    reference = ReferenceScorer(docs)
    ids = [doc_id for doc_id, _ in docs]
    run = search(root / "index", queries, "auto", Approximation(postings_fraction=0.1, candidates=5), k=40)
    for q, vector in queries:
        assert_rescored(run[q], top_contributions(docs, vector, 0.1), reference.scores(vector), ids, 40, k=40)


@pytest.mark.parametrize("largest", [600, 70_000])  # forward vectors on the heap; too wide for it: the postings
def test_large_impacts_are_rescored_exactly(small, tmp_path, largest):
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.approximate import Approximation
    from tests.search.test_exactness import write_vectors

    *_, docs, queries = small
    heavy = [(doc_id, {t: 3 * w for t, w in vector.items()}) for doc_id, vector in docs]
    doc_id, vector = heavy[7]
    heavy[7] = (doc_id, dict(vector, **{next(iter(vector)): largest}))
    write_vectors(tmp_path / "vectors", heavy)
    index_impact(tmp_path / "vectors", tmp_path / "index", threads=1, progress=False)
    reference = ReferenceScorer(heavy)
    assert max(reference.scores(v).max() for _, v in queries) < 2 ** 24  # exact in float
    ids = [doc_id for doc_id, _ in heavy]
    run = search(tmp_path / "index", queries, "auto", Approximation(postings_fraction=0.3, candidates=30))
    for q, vector in queries:
        assert_rescored(run[q], top_contributions(heavy, vector, 0.3), reference.scores(vector), ids, 30)


def test_a_vocabulary_too_large_for_the_heap_copy_is_rescored_from_the_postings(tmp_path, jvm_started):
    import random

    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.approximate import Approximation
    from tests.search.test_exactness import write_vectors

    rng = random.Random(3)
    shared = [f"s{i}" for i in range(40)]
    docs = [(f"d{d}", {**{f"u{d}x{i}": rng.randint(1, 50) for i in range(100)},
                       **{t: rng.randint(1, 50) for t in rng.sample(shared, 10)}}) for d in range(700)]
    write_vectors(tmp_path / "vectors", docs)
    index_impact(tmp_path / "vectors", tmp_path / "index", threads=1, progress=False)  # 70,040 terms
    queries = [(f"q{i}", {t: rng.randint(1, 30) for t in rng.sample(shared, 8)}) for i in range(20)]
    reference = ReferenceScorer(docs)
    ids = [doc_id for doc_id, _ in docs]
    run = search(tmp_path / "index", queries, "auto", Approximation(postings_fraction=0.3, candidates=30))
    for q, vector in queries:
        assert_rescored(run[q], top_contributions(docs, vector, 0.3), reference.scores(vector), ids, 30)


def test_an_over_estimated_threshold_keeps_exact_scores_and_can_miss_documents(larger):
    from lsr_lucene.search.approximate import Approximation

    index, docs, queries = larger
    reference = ReferenceScorer(docs)
    position = {doc_id: i for i, (doc_id, _) in enumerate(docs)}
    exact = search(index, queries, "pruned", k=10)
    assert exact == {q: reference.search(v, 10) for q, v in queries}
    # a factor no score reaches: Lucene skips everything after the collector's first buffer (64 documents) fills
    loose = search(index, queries, "auto", Approximation(threshold_factor=1e6), k=10)
    missed = 0
    for q, vector in queries:
        scores = reference.scores(vector)
        for hit in loose[q]:  # whatever is returned carries its exact score, best first
            assert hit.score == scores[position[hit.doc_id]]
        assert [h.score for h in loose[q]] == sorted((h.score for h in loose[q]), reverse=True)
        missed += len({h.doc_id for h in exact[q]} - {h.doc_id for h in loose[q]})
    assert missed > 0


def top_postings(docs, n):
    """Each term's postings whose impact is at least the lowest of its n highest (all of them at the top when more
    than n tie there), per document."""
    by_term = {}
    for _, vector in docs:
        for term, impact in vector.items():
            by_term.setdefault(term, []).append(impact)
    floor = {}
    for term, impacts in by_term.items():
        ranked = sorted(impacts, reverse=True)
        floor[term] = ranked[n - 1] + 1 if len(ranked) > n and ranked[n] == ranked[n - 1] else ranked[min(n, len(
            ranked)) - 1]
        if sum(i >= floor[term] for i in impacts) == 0:  # more than n tie at the top: keep them
            floor[term] = ranked[0]
    return [(doc_id, {t: w for t, w in vector.items() if w >= floor[t]}) for doc_id, vector in docs]


def test_top_postings_give_candidates_that_get_exact_scores(small):
    from lsr_lucene.search.approximate import Approximation

    root, _, _, docs, queries = small
    reference, partial = ReferenceScorer(docs), ReferenceScorer(top_postings(docs, TOP))
    ids = [doc_id for doc_id, _ in docs]
    run = search(root / "top", queries, "auto", Approximation(candidates=25, top_postings=True))
    missed = 0
    for q, vector in queries:
        assert_rescored(run[q], partial.scores(vector), reference.scores(vector), ids, 25)
        missed += len({h.doc_id for h in reference.search(vector, 10)} - {h.doc_id for h in run[q]})
    assert missed > 0  # 12 postings per term cannot find every document of 120


def test_top_postings_index_refuses_updates_and_merges(small, tmp_path):
    from lsr_lucene.errors import ConfigError
    from lsr_lucene.indexing.parts import merge_index_folders
    from lsr_lucene.indexing.update import update_index
    from lsr_lucene.search.approximate import Approximation

    root, vectors_dir, *_ = small
    with pytest.raises(ConfigError, match="built with --term-top-postings"):
        update_index(root / "top", vectors_dir, progress=False)
    with pytest.raises(ConfigError, match="built with --term-top-postings"):
        merge_index_folders([root / "top", root / "index"], tmp_path / "merged")
    with pytest.raises(ConfigError, match="no top postings: build it with --term-top-postings"):
        search(root / "index", [("q", {"a": 1})], approximation=Approximation(top_postings=True))


def test_knobs_are_validated():
    from dataclasses import replace

    from lsr_lucene.errors import ConfigError
    from lsr_lucene.search.approximate import PRESETS, Approximation, approximation

    for bad in (0.0, 1.5, float("nan")):
        with pytest.raises(ConfigError, match="query mass must be in"):
            Approximation(query_mass=bad)
    for bad in (0.0, 1.5, float("nan")):
        with pytest.raises(ConfigError, match="postings fraction must be in"):
            Approximation(postings_fraction=bad)
    for bad in (0.9, float("inf")):
        with pytest.raises(ConfigError, match="threshold factor must be a finite number >= 1"):
            Approximation(threshold_factor=bad)
    with pytest.raises(ConfigError, match="unknown --approximate preset 'quick'; known: exact"):
        approximation("quick")
    assert approximation("fast", query_mass=0.9) == replace(PRESETS["fast"], query_mass=0.9)
    with pytest.raises(ConfigError, match="candidates must be an integer >= 0"):
        Approximation(candidates=-3)
    assert not PRESETS["fast"].exact and approximation().exact


def test_java_refuses_bad_knobs(small, jvm_started):
    from lsr_lucene import jvm

    root, *_ = small
    searcher = jvm.autoclass("org.lsrlucene.search.BatchImpactSearcher")(str(root / "index"))
    try:
        with pytest.raises(Exception, match="query mass must be in"):
            searcher.setApproximation(0.0, 1.0, 1.0, 0, False)
        with pytest.raises(Exception, match="postings fraction must be in"):
            searcher.setApproximation(1.0, 1.5, 1.0, 0, False)
        with pytest.raises(Exception, match="threshold factor must be"):
            searcher.setApproximation(1.0, 1.0, 0.5, 0, False)
        with pytest.raises(Exception, match="candidates must be >= 0"):
            searcher.setApproximation(1.0, 1.0, 1.0, -1, False)
        with pytest.raises(Exception, match="no top postings: build it with --term-top-postings"):
            searcher.setApproximation(1.0, 1.0, 1.0, 100, True)
    finally:
        searcher.close()


def test_anserini_engine_refuses_approximation(small):
    from lsr_lucene.errors import ConfigError
    from lsr_lucene.search.approximate import Approximation
    from lsr_lucene.search.impact import open_impact_searcher

    root, *_ = small
    with pytest.raises(ConfigError, match="needs the java/ plugin"):
        open_impact_searcher(root / "index", "anserini", Approximation(query_mass=0.5))


def test_static_pruning_indexes_each_documents_heaviest_terms(small, tmp_path):
    from lsr_lucene.errors import ConfigError, ManifestError
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.indexing.verify import verify_index

    root, vectors_dir, _, docs, queries = small
    manifest = index_impact(vectors_dir, tmp_path / "pruned", threads=2, progress=False, prune_doc_terms=20)
    assert manifest["pruning"] == {"doc_terms": 20}
    pruned_docs = []
    for doc_id, vector in docs:  # the 20 highest impacts, ties broken by the earlier term
        order = sorted(range(len(vector)), key=lambda i: (-list(vector.values())[i], i))[:20]
        items = list(vector.items())
        pruned_docs.append((doc_id, dict(items[i] for i in sorted(order))))
    assert manifest["lucene"]["postings"] == sum(len(v) for _, v in pruned_docs)
    reference = ReferenceScorer(pruned_docs)
    assert search(tmp_path / "pruned", queries) == {q: reference.search(v, 10) for q, v in queries}
    with pytest.raises(ManifestError, match="statically pruned"):
        verify_index(tmp_path / "pruned")
    with pytest.raises(ConfigError, match="need the java/ plugin engine"):
        index_impact(vectors_dir, tmp_path / "anserini", progress=False, engine="anserini", prune_doc_terms=20)
    assert index_impact(vectors_dir, tmp_path / "full", threads=2, progress=False)["pruning"] is None


def test_search_command_records_the_knobs_in_the_run_manifest(small, tmp_path, capsys):
    from lsr_lucene.cli.main import main
    from lsr_lucene.io.trec import read_run
    from lsr_lucene.search.approximate import PRESETS

    root, _, queries_dir, docs, queries = small
    out = tmp_path / "run.trec"
    args = ["search", "--index", str(root / "index"), "--queries", str(queries_dir), "--output", str(out),
            "--k", "10"]
    assert main(args + ["--approximate", "fast", "--query-mass", "0.8", "--postings-fraction", "0.3"]) == 0
    manifest = json.loads((tmp_path / "run.trec.manifest.json").read_text())
    assert manifest["approximation"] == dict(PRESETS["fast"].to_dict(), query_mass=0.8, postings_fraction=0.3,
                                             preset="fast")
    assert manifest["kind"] == "lsr-lucene/run" and manifest["k"] == 10 and manifest["index_pruning"] is None
    assert read_run(out)
    assert main(args) == 0
    manifest = json.loads((tmp_path / "run.trec.manifest.json").read_text())
    assert manifest["approximation"] == dict(PRESETS["exact"].to_dict(), preset=None)
    capsys.readouterr()
    assert main(args + ["--threshold-factor", "0.5"]) == 2
    assert "threshold factor must be a finite number >= 1, got 0.5" in capsys.readouterr().err
