"""SLIM refinement on real Lucene indexes: refined scores equal a brute-force late-interaction computation exactly."""

import random

import numpy as np
import pytest

from lsr_lucene.io.token_store import TokenVectors
from lsr_lucene.search.reference import ReferenceScorer

VOCAB = 120


def random_tokens(rng, max_tokens):
    """A text as a list of token vectors {term id: impact}."""
    return [{t: rng.randint(1, 300) for t in rng.sample(range(VOCAB), rng.randint(0, 4))}
            for _ in range(rng.randint(1, max_tokens))]


def pooled(tokens):
    """Max over tokens per term, as SPLADE pools (terms named t<id>)."""
    out = {}
    for token in tokens:
        for term, weight in token.items():
            out[f"t{term}"] = max(out.get(f"t{term}", 0), weight)
    return out


def as_vectors(tokens):
    items = [(i, term, weight) for i, token in enumerate(tokens) for term, weight in sorted(token.items())]
    return TokenVectors(*(np.array([x[f] for x in items], dtype=np.int64) for f in range(3)))


def brute_force(query_tokens, doc_tokens):
    """sum over query tokens of max over document tokens of the sparse dot product, in plain Python integers."""
    return sum(max(sum(w * d.get(t, 0) for t, w in q.items()) for d in doc_tokens) for q in query_tokens)


def index_with_tokens(root, docs):
    """An impact index of the pooled ``docs`` ({id: token list}) with their token store beside its vectors."""
    from lsr_lucene.encoding.stages.sparse import DOCS_KIND
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.io.shards import ShardedJsonlWriter
    from lsr_lucene.io.token_store import TokenStoreWriter, store_dtypes

    writer = ShardedJsonlWriter(root / "vectors", DOCS_KIND, {"test": True}, shard_size=120)
    store = TokenStoreWriter(root / "vectors" / "tokens", {"test": True}, store_dtypes(VOCAB, 1000, 25))
    for i, doc_id in enumerate(docs, start=1):
        store.add(doc_id, as_vectors(docs[doc_id]))
        if i % 120 == 0:
            store.flush_part()
        vector = pooled(docs[doc_id])
        writer.write({"id": doc_id, "contents": "", "vector": vector}, {"postings": len(vector),
                                                                         "empty_vectors": int(not vector)})
    store.finish(vocab_size=VOCAB)
    writer.finish()
    index_impact(root / "vectors", root / "index", threads=2, progress=False)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory, jvm_started):
    rng = random.Random(11)
    ids = [f"test-doc-{i:03d}-{'αβγ'[i % 3]}" if i % 2 else str(7000 - 13 * i) for i in range(300)]
    docs = {doc_id: random_tokens(rng, 25) for doc_id in ids}
    root = tmp_path_factory.mktemp("slim")
    index_with_tokens(root, docs)
    queries = {f"q{i}": random_tokens(rng, 8) for i in range(30)}
    return root, docs, queries


@pytest.mark.parametrize("alpha", [0.0, 0.25])
def test_refined_scores_equal_brute_force_late_interaction(synthetic, alpha):
    from lsr_lucene.search.slim import RefineConfig, SlimSearcher

    root, docs, queries = synthetic
    reference = ReferenceScorer((d, pooled(t)) for d, t in docs.items())
    qids = [q for q in queries if pooled(queries[q])]
    with SlimSearcher(root / "index", config=RefineConfig(candidates=50, alpha=alpha)) as searcher:
        run = searcher.batch_search_vectors([pooled(queries[q]) for q in qids], [as_vectors(queries[q]) for q in qids],
                                            qids, k=20, threads=2)
        for qid in qids:
            candidates = reference.search(pooled(queries[qid]), k=50)  # Lucene's first stage (test_exactness)
            late = {h.doc_id: brute_force(queries[qid], docs[h.doc_id]) for h in candidates}
            final = {h.doc_id: (1 - alpha) * late[h.doc_id] + alpha * h.score for h in candidates}
            ranked = sorted(range(len(candidates)), key=lambda r: (-final[candidates[r].doc_id], r))[:20]
            assert [h.doc_id for h in run[qid]] == [candidates[r].doc_id for r in ranked]
            for hit in run[qid]:
                if alpha == 0:
                    assert hit.score == late[hit.doc_id]  # exact integers
                else:
                    assert hit.score == pytest.approx(final[hit.doc_id], abs=1e-3)  # first stage rounds to 1e-4
            one = searcher.search_vectors(pooled(queries[qid]), as_vectors(queries[qid]), k=20)
            assert one == run[qid]
        # no query tokens: every late score is 0 and the first stage's order stands
        empty = searcher.batch_search_vectors([pooled(queries[qids[0]])], [as_vectors([])], ["empty"], k=5)["empty"]
        assert [h.doc_id for h in empty] == [h.doc_id for h in searcher.first_stage.search(pooled(queries[qids[0]]), 5)]
        assert [h.score for h in empty] == pytest.approx([alpha * h.score for h in searcher.first_stage.search(
            pooled(queries[qids[0]]), 5)])


def test_slim_searcher_refines_the_command_lines_first_stage(tmp_path, jvm_started):
    """With alpha > 0 the first-stage score counts, so SlimSearcher must take the same first stage as
    ``search --refine`` (the plugin's exact scores; it once took Anserini's, whose ties are stepped by 1e-6, which
    small impacts make visible)."""
    from lsr_lucene.io.token_store import TokenStore
    from lsr_lucene.search.impact import open_impact_searcher
    from lsr_lucene.search.slim import RefineConfig, SlimSearcher, refine_run

    rng = random.Random(3)
    small = [[{t: rng.randint(1, 2) for t in rng.sample(range(8), 2)} for _ in range(3)] for _ in range(60)]
    index_with_tokens(tmp_path, {f"d{i}": tokens for i, tokens in enumerate(small)})
    queries = {f"q{i}": [{t: rng.randint(1, 2) for t in rng.sample(range(8), 2)}] for i in range(10)}
    root = tmp_path
    config = RefineConfig(candidates=50, alpha=0.25)
    qids = [q for q in queries if pooled(queries[q])]
    vectors, tokens = [pooled(queries[q]) for q in qids], [as_vectors(queries[q]) for q in qids]
    with open_impact_searcher(root / "index") as first:
        expected = refine_run(first.batch_search(vectors, qids, 50), dict(zip(qids, tokens)),
                              TokenStore(root / "vectors" / "tokens"), 20, config)
    with SlimSearcher(root / "index", config=config) as searcher:
        assert searcher.batch_search_vectors(vectors, tokens, qids, k=20) == expected


def test_refinement_threads_do_not_change_the_run(synthetic):
    from lsr_lucene.io.token_store import TokenStore
    from lsr_lucene.search.impact import AnseriniImpactSearcher
    from lsr_lucene.search.slim import refine_run

    root, docs, queries = synthetic
    store = TokenStore(root / "vectors" / "tokens")
    with AnseriniImpactSearcher(root / "index") as first:
        run = first.batch_search([pooled(q) for q in queries.values()], list(queries), k=100, threads=2)
    tokens = {q: as_vectors(t) for q, t in queries.items()}
    assert refine_run(run, tokens, store, 10, threads=1) == refine_run(run, tokens, store, 10, threads=2)


def cli(*args):
    """The command line in this process (the model and the JVM load once): (exit code, stdout, stderr)."""
    import contextlib
    import io

    from lsr_lucene.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def mini_beir(tmp_path_factory):
    """A few SciFact documents renamed to string ids (slashes, non-ASCII), with queries and qrels."""
    import json

    from lsr_lucene.collections.beir import BeirCollection
    from lsr_lucene.collections.resolve import find_local

    folder = tmp_path_factory.mktemp("beir")
    stream = BeirCollection(find_local("scifact")).docs_iter()
    docs = [next(stream) for _ in range(14)]
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as out:
        for i, doc in enumerate(docs):
            out.write(json.dumps({"_id": f"sf/{doc.id}-é{i}", "title": doc.title, "text": doc.text[:400]}) + "\n")
    queries = [("q-a", docs[2].title), ("q-b", "white matter of newborn brains"), ("q-c", docs[9].title)]
    with open(folder / "queries.jsonl", "w", encoding="utf-8") as out:
        for qid, text in queries:
            out.write(json.dumps({"_id": qid, "text": text}) + "\n")
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"{q}\tsf/{docs[i].id}-é{i}\t1\n" for q, i in (("q-a", 2), ("q-b", 0), ("q-c", 9))), encoding="utf-8")
    return folder


def test_command_line_refinement_is_exact_with_string_ids(mini_beir, tmp_path, splade_tiny, jvm_started):
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.io.trec import read_run

    out = tmp_path
    common = ["--collection", str(mini_beir), "--quiet", "--max-length", "96", "--token-top-k", "6"]
    for args in (["--output", str(out / "vectors"), "--shard-size", "5"],
                 ["--output", str(out / "qvecs"), "--queries"]):
        code, _, err = cli("encode", "--token-level", *common, *args)
        assert code == 0, err
    code, _, err = cli("encode", "--collection", str(mini_beir), "--quiet", "--max-length", "96", "--shard-size", "5",
                       "--output", str(out / "plain"))
    assert code == 0, err
    # the pooled shards are exactly what plain SPLADE encoding writes
    for name in ("part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"):
        assert (out / "vectors" / "shards" / name).read_bytes() == (out / "plain" / "shards" / name).read_bytes()
    assert cli("index", "--vectors", str(out / "vectors"), "--index", str(out / "index"), "--quiet")[0] == 0
    code, _, err = cli("search", "--index", str(out / "index"), "--queries", str(out / "qvecs"), "--output",
                       str(out / "first.trec"), "--k", "8")
    assert code == 0, err
    code, _, err = cli("search", "--index", str(out / "index"), "--queries", str(out / "qvecs"), "--output",
                       str(out / "slim.trec"), "--refine", "slim", "--k-prime", "8", "--k", "5")
    assert code == 0, err
    first, refined = read_run(out / "first.trec"), read_run(out / "slim.trec")

    # brute force from the model's own output, quantized in plain Python
    import functools

    from lsr_lucene.encoding.stages.sparse import EncodeConfig, make_encoder
    from lsr_lucene.encoding.encoders.token_level import TokenLevelConfig, TokenLevelEncoder

    encoder = TokenLevelEncoder(make_encoder(EncodeConfig(splade_tiny)), TokenLevelConfig(top_k=6))

    @functools.lru_cache(maxsize=None)
    def token_dicts(text):
        row = encoder.encode([text], max_length=96)[0]
        tokens = []
        for a, b in zip(row.token_ptr[:-1], row.token_ptr[1:]):
            token = {int(t): min(int(round(float(w) * 100)), 1000) for t, w in zip(row.term_ids[a:b], row.weights[a:b])}
            tokens.append({t: w for t, w in token.items() if w > 0})
        return tokens

    texts = {json_id: text for json_id, text in _corpus(mini_beir)}
    queries = dict(_queries(mini_beir))
    assert [q for q, _ in read_vectors(out / "qvecs")] == list(queries)
    for qid, hits in refined.items():
        late = {h.doc_id: brute_force(token_dicts(queries[qid]), token_dicts(texts[h.doc_id])) for h in first[qid]}
        order = sorted(range(len(first[qid])), key=lambda r: (-late[first[qid][r].doc_id], r))[:5]
        assert [h.doc_id for h in hits] == [first[qid][r].doc_id for r in order]
        assert [h.score for h in hits] == [late[h.doc_id] for h in hits]
    assert refined["q-a"][0].doc_id.endswith("-é2")


def _corpus(folder):
    from lsr_lucene.collections.beir import BeirCollection

    return [(d.id, d.contents) for d in BeirCollection(folder).docs_iter()]


def _queries(folder):
    from lsr_lucene.collections.beir import BeirCollection

    return [(q.id, q.text) for q in BeirCollection(folder).queries_iter()]


def test_refinement_needs_token_vectors_for_the_queries(mini_beir, tmp_path, jvm_started):
    code, _, err = cli("encode", "--collection", str(mini_beir), "--queries", "--quiet", "--output",
                       str(tmp_path / "qvecs"))
    assert code == 0, err
    code, _, err = cli("encode", "--collection", str(mini_beir), "--token-level", "--quiet", "--output",
                       str(tmp_path / "vectors"))
    assert code == 0, err
    assert cli("index", "--vectors", str(tmp_path / "vectors"), "--index", str(tmp_path / "index"), "--quiet")[0] == 0
    code, _, err = cli("search", "--index", str(tmp_path / "index"), "--queries", str(tmp_path / "qvecs"), "--output",
                       str(tmp_path / "run.trec"), "--refine", "slim")
    assert code != 0 and "Traceback" not in err
    assert "has no token store (tokens/); encode the queries with --token-level" in err.strip().splitlines()[-1]


def test_maxsim_kernel_and_dominated_tokens_match_brute_force():
    from lsr_lucene.io.token_store import Gathered
    from lsr_lucene.encoding.stages.tokens import dominated_tokens
    from lsr_lucene.search.late_interaction import maxsim_scores

    v = as_vectors([{1: 5}, {1: 7, 2: 1}, {}, {1: 7, 2: 1}, {3: 2}, {1: 6}])
    assert dominated_tokens(v).tolist() == [True, False, True, True, False, True]
    rng = random.Random(5)
    docs = [random_tokens(rng, 30) for _ in range(40)]
    kept = []
    for tokens in docs:
        vectors = as_vectors(tokens)
        keep = ~dominated_tokens(vectors)[vectors.tokens]
        kept.append(TokenVectors(*(a[keep] for a in vectors)))
    assert sum(len(k.terms) for k in kept) < sum(len(as_vectors(t).terms) for t in docs)

    def gather(vectors):
        ptr = np.concatenate([[0], np.cumsum([len(v.terms) for v in vectors])])
        return Gathered.of(ptr, TokenVectors(*(np.concatenate([v[f] for v in vectors]) for f in range(3))))

    for _ in range(20):
        query = random_tokens(rng, 40)
        expected = [brute_force(query, d) for d in docs]
        assert maxsim_scores(as_vectors(query), gather([as_vectors(d) for d in docs])).tolist() == expected
        assert maxsim_scores(as_vectors(query), gather(kept)).tolist() == expected
