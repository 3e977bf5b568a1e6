"""Lucene scores are exact dot products of the quantized query and document vectors."""

import json
import random

import pytest

from lsr_lucene.search.reference import ReferenceScorer


def random_vectors(rng, n, vocab, max_terms):
    return [{f"t{j}": rng.randint(1, 300) for j in rng.sample(range(vocab), rng.randint(1, max_terms))}
            for _ in range(n)]


@pytest.fixture(scope="module")
def index(tmp_path_factory, jvm_started):
    from lsr_lucene.encode import DOCS_KIND
    from lsr_lucene.indexing.anserini import index_impact
    from lsr_lucene.io.shards import ShardedJsonlWriter

    rng = random.Random(7)
    docs = [(f"d{i:04d}", v) for i, v in enumerate(random_vectors(rng, 600, 400, 60))]
    root = tmp_path_factory.mktemp("exact")
    writer = ShardedJsonlWriter(root / "vectors", DOCS_KIND, {"test": True}, shard_size=250)
    for doc_id, vector in docs:
        writer.write({"id": doc_id, "contents": "", "vector": vector}, {"postings": len(vector)})
    writer.finish()
    manifest = index_impact(root / "vectors", root / "index", threads=2, progress=False)
    queries = random_vectors(rng, 40, 400, 30) + [{"t1": 1}, {"missing-term": 5}]
    return root / "index", docs, queries, manifest


def test_every_hit_scores_the_integer_dot_product(index):
    from lsr_lucene.search.impact import ImpactSearcher

    index_dir, docs, queries, manifest = index
    assert manifest["lucene"]["documents"] == 600
    assert manifest["lucene"]["postings"] == sum(len(v) for _, v in docs)
    reference = ReferenceScorer(docs)
    with ImpactSearcher(index_dir) as searcher:
        run = searcher.batch_search(queries, [f"q{i}" for i in range(len(queries))], k=100, threads=2)
        for i, query in enumerate(queries):
            expected = reference.search(query, k=100)
            hits = run[f"q{i}"]
            assert [h.doc_id for h in hits] == [h.doc_id for h in expected]
            for hit, ref in zip(hits, expected):
                # Anserini rounds to 1e-4 and subtracts 1e-6 per tie; integer dot products survive exactly
                assert round(hit.score) == ref.score and abs(hit.score - ref.score) < 1e-4
            assert searcher.search(query, k=100) == hits
    assert run[f"q{len(queries) - 1}"] == []  # a query of unknown terms: no hits, no crash
