"""Lucene scores are exact dot products of the quantized query and document vectors, whichever engine built the
index (java/ plugin or Anserini) and whichever searched it."""

import random

import pytest

from lsr_lucene.search.reference import ReferenceScorer

ENGINES = ("anserini", "plugin")


def random_vectors(rng, n, vocab, max_terms):
    return [{f"t{j}": rng.randint(1, 300) for j in rng.sample(range(vocab), rng.randint(1, max_terms))}
            for _ in range(n)]


def write_vectors(folder, docs, shard_size=250):
    from lsr_lucene.encoding.stages.sparse import DOCS_KIND
    from lsr_lucene.io.shards import ShardedJsonlWriter

    writer = ShardedJsonlWriter(folder, DOCS_KIND, {"test": True}, shard_size=shard_size)
    for doc_id, vector in docs:
        writer.write({"id": doc_id, "contents": "", "vector": vector}, {"postings": len(vector),
                                                                         "empty_vectors": int(not vector)})
    return writer.finish()


@pytest.fixture(scope="module")
def indexes(tmp_path_factory, jvm_started):
    from lsr_lucene.indexing.impact import index_impact

    rng = random.Random(7)
    docs = [(f"d{i:04d}", v) for i, v in enumerate(random_vectors(rng, 600, 400, 60))]
    root = tmp_path_factory.mktemp("exact")
    write_vectors(root / "vectors", docs)
    manifests = {engine: index_impact(root / "vectors", root / engine, threads=2, progress=False, engine=engine)
                 for engine in ENGINES}
    queries = random_vectors(rng, 40, 400, 30) + [{"t1": 1}, {"missing-term": 5}]
    return root, docs, queries, manifests


@pytest.mark.parametrize("index_engine", ENGINES)
@pytest.mark.parametrize("search_engine", ENGINES)
def test_every_hit_scores_the_integer_dot_product(indexes, index_engine, search_engine):
    from lsr_lucene.search.impact import open_impact_searcher

    root, docs, queries, manifests = indexes
    manifest = manifests[index_engine]
    assert manifest["engine"] == index_engine
    assert manifest["lucene"]["documents"] == 600
    assert manifest["lucene"]["postings"] == sum(len(v) for _, v in docs)
    reference = ReferenceScorer(docs)
    with open_impact_searcher(root / index_engine, search_engine) as searcher:
        assert searcher.engine == search_engine
        run = searcher.batch_search(queries, [f"q{i}" for i in range(len(queries))], k=100, threads=2)
        for i, query in enumerate(queries):
            expected = reference.search(query, k=100)
            hits = run[f"q{i}"]
            assert [h.doc_id for h in hits] == [h.doc_id for h in expected]
            for hit, ref in zip(hits, expected):
                if search_engine == "plugin":
                    assert hit.score == ref.score  # Lucene's exact score
                else:  # Anserini rounds to 1e-4 and subtracts 1e-6 per tie; integer dot products survive
                    assert round(hit.score) == ref.score and abs(hit.score - ref.score) < 1e-4
            assert searcher.search(query, k=100) == hits
    assert run[f"q{len(queries) - 1}"] == []  # a query of unknown terms: no hits, no crash


def test_ties_are_broken_by_document_id_at_the_cut_too(tmp_path, jvm_started):
    """Many documents with the same score: every engine (and plugin strategy) returns the k smallest ids, in id
    order, even when the tied group straddles the k-th hit and Lucene skips documents below the k-th score."""
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.impact import open_impact_searcher
    from lsr_lucene.search.plugin import STRATEGIES, PluginImpactSearcher

    rng = random.Random(3)
    ids = [f"doc-{rng.randrange(10**6):06d}-{i}" for i in range(700)]
    docs = [(doc_id, {"a": 2, "b": 1 + i % 3} if i % 5 else {"a": 3}) for i, doc_id in enumerate(ids)]
    write_vectors(tmp_path / "vectors", docs, shard_size=300)
    index_impact(tmp_path / "vectors", tmp_path / "index", threads=2, progress=False, engine="plugin")
    reference = ReferenceScorer(docs)
    queries = [{"a": 1}, {"a": 1, "b": 1}, {"b": 2}]
    for k in (1, 5, 150, 1000):
        with open_impact_searcher(tmp_path / "index", "anserini") as searcher:
            runs = {"anserini": searcher.batch_search(queries, ["a", "ab", "b"], k=k, threads=2)}
        for strategy in STRATEGIES:
            with PluginImpactSearcher(tmp_path / "index", strategy) as searcher:
                runs[strategy] = searcher.batch_search(queries, ["a", "ab", "b"], k=k, threads=2)
        for qid, query in zip(["a", "ab", "b"], queries):
            expected = [h.doc_id for h in reference.search(query, k)]
            for name, run in runs.items():
                assert [h.doc_id for h in run[qid]] == expected, (name, qid, k)


@pytest.mark.parametrize("strategy", ["exhaustive", "pruned"])
def test_plugin_strategies_score_every_hit_exactly(indexes, strategy):
    """Term-at-a-time and Lucene's pruning disjunction: the same hits and exact scores, queries longer than Lucene's
    default limit of 1024 clauses per BooleanQuery included (the plugin raises it)."""
    from lsr_lucene.search.plugin import PluginImpactSearcher

    root, docs, queries, _ = indexes
    reference = ReferenceScorer(docs)
    long_query = {f"t{j}": 1 + j % 7 for j in range(400)} | {f"x{j}": 3 for j in range(1000)}
    queries = queries + [long_query]
    with PluginImpactSearcher(root / "plugin", strategy) as searcher:
        run = searcher.batch_search(queries, [f"q{i}" for i in range(len(queries))], k=50, threads=2)
    for i, query in enumerate(queries):
        assert run[f"q{i}"] == reference.search(query, k=50), i


def test_plugin_rejects_an_unknown_strategy(indexes):
    from lsr_lucene.errors import ConfigError
    from lsr_lucene.search.plugin import PluginImpactSearcher

    with pytest.raises(ConfigError, match="'fastest'"):
        PluginImpactSearcher(indexes[0] / "plugin", "fastest")


def test_decoded_postings_change_no_hit(indexes):
    """Term-at-a-time scoring reads each term's postings once from the index into arrays, kept for later queries:
    with them (the default), without them and with a budget that holds some terms only, every strategy returns the
    same hits and scores, at k=10 and k=1000, for queries that touch most documents (every sum is scanned) or few
    (the touched documents are tracked), and for a query with a zero weight (its documents match with score 0)."""
    from lsr_lucene.errors import ConfigError
    from lsr_lucene.search.approximate import Approximation
    from lsr_lucene.search.plugin import PluginImpactSearcher

    root, docs, queries, _ = indexes
    queries = queries + [{"t1": 0.0} | {f"t{j}": 2.5 for j in range(2, 20)}, {f"t{j}": 1 for j in range(400)}]
    qids = [f"q{i}" for i in range(len(queries))]
    budget = 20_000  # bytes: a few dozen of the 400 terms' postings

    def runs(searcher):
        out = []
        for strategy in ("exhaustive", "auto"):
            for approximation in (None, Approximation(0.5, 1.0, 100)):
                searcher.configure(strategy, approximation or Approximation())
                out += [searcher.batch_search(queries, qids, k, threads=2) for k in (10, 1000)]
        return out

    with PluginImpactSearcher(root / "plugin", postings_cache_mb=0) as searcher:
        expected = runs(searcher)
        assert searcher.postings_cache_bytes == 0
    with PluginImpactSearcher(root / "plugin") as searcher:
        assert runs(searcher) == expected
        assert searcher.postings_cache_bytes >= 5 * sum(len(v) for _, v in docs)  # every term decoded
        searcher._searcher.setPostingsCache(budget)
        assert runs(searcher) == expected
        assert 0 < searcher.postings_cache_bytes <= budget
    with PluginImpactSearcher(root / "plugin", "pruned") as searcher:  # Lucene's own disjunction
        zero = searcher.batch_search(queries[42:43], ["q42"], 1000)["q42"]
    assert expected[1]["q42"] == zero and zero[-1].score == 0.0  # the zero-weighted term's documents come last
    reference = ReferenceScorer(docs)
    assert expected[0]["q43"] == reference.search(queries[-1], k=10)
    with pytest.raises(ConfigError, match="postings cache must be >= 0 MB, got -1"):
        PluginImpactSearcher(root / "plugin", postings_cache_mb=-1)


def test_decoded_impacts_of_one_byte_read_unsigned(tmp_path, jvm_started):
    """A term whose impacts all fit in a byte is decoded into bytes (128-255 included), wider ones into ints: both
    score exactly."""
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.plugin import PluginImpactSearcher

    rng = random.Random(11)
    docs = [(f"d{i:03d}", {t: (w if t < "t5" else 1 + w % 255) for t, w in v.items()})
            for i, v in enumerate(random_vectors(rng, 300, 10, 10))]
    write_vectors(tmp_path / "vectors", docs)
    index_impact(tmp_path / "vectors", tmp_path / "index", threads=1, progress=False, engine="plugin")
    queries = [{f"t{j}": 1 + j for j in range(10)}, {"t7": 2, "t8": 1}]
    reference = ReferenceScorer(docs)
    with PluginImpactSearcher(tmp_path / "index", "exhaustive") as searcher:
        run = searcher.batch_search(queries, ["all", "two"], k=300)
    assert run == {"all": reference.search(queries[0], 300), "two": reference.search(queries[1], 300)}
