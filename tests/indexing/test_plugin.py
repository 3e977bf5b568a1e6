"""The java/ plugin's impact indexer writes the index Anserini's IndexCollection writes from the same shards: same
documents, term statistics, postings and schema, hence the same hits and scores from Anserini's searcher."""

import gzip
import itertools
import json
import os
import random
import subprocess
import sys

import pytest

from lsr_lucene.errors import InputFileError
from lsr_lucene.search.reference import ReferenceScorer

ENGINES = ("anserini", "plugin")


def inspector(index_dir):
    from lsr_lucene import jvm

    return jvm.autoclass("org.lsrlucene.index.IndexInspector")(str(index_dir))


@pytest.fixture(scope="module")
def scifact_part(tmp_path_factory, encoder, jvm_started):
    """300 real SciFact documents (first 128 tokens, gzipped shards of 100) and 40 test queries encoded by
    SPLADE-tiny, indexed by both engines."""
    from lsr_lucene.collections import load_collection
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents, encode_queries
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.encoding.stages.sparse import DOCS_KIND
    from lsr_lucene.indexing.impact import index_impact

    root = tmp_path_factory.mktemp("scifact-part")
    collection = load_collection("scifact")
    config = EncodeConfig(dtype="fp32", max_length=128)
    settings = EncodeSettings(shard_size=100, compress=True, progress=False)
    encode_documents(itertools.islice(collection.docs_iter(), 300), root / "vectors", config, settings,
                     encoder=encoder)
    queries = judged_queries(collection, "test")[0][:40]
    encode_queries(queries, root / "queries", config, settings, encoder=encoder)
    manifests = {engine: index_impact(root / "vectors", root / engine, threads=2, progress=False, engine=engine)
                 for engine in ENGINES}
    docs = list(read_vectors(root / "vectors", DOCS_KIND))
    return root, docs, list(read_vectors(root / "queries")), manifests


def test_same_documents_term_statistics_postings_and_schema(scifact_part):
    root, docs, _, manifests = scifact_part
    assert {m["engine"] for m in manifests.values()} == set(ENGINES)
    assert manifests["plugin"]["lucene"] == manifests["anserini"]["lucene"]
    assert manifests["plugin"]["counters"]["postings"] == sum(len(v) for _, v in docs)
    anserini, plugin = inspector(root / "anserini"), inspector(root / "plugin")
    try:
        assert plugin.numDocs() == anserini.numDocs() == len(docs)
        stats = plugin.termStatistics("contents")
        assert stats.count("\n") > 2000  # every term: text, docFreq, totalTermFreq
        assert stats == anserini.termStatistics("contents")
        assert plugin.postingsDigest("contents") == anserini.postingsDigest("contents")
        assert plugin.schema() == anserini.schema()
        assert plugin.termStatistics("id") == anserini.termStatistics("id")
    finally:
        anserini.close()
        plugin.close()


def test_same_hits_and_scores_from_both_searchers(scifact_part):
    from lsr_lucene.search.impact import open_impact_searcher

    root, docs, queries, _ = scifact_part
    qids = [q for q, _ in queries]
    vectors = [v for _, v in queries]
    runs = {}
    for index_engine, search_engine in itertools.product(ENGINES, ENGINES):
        with open_impact_searcher(root / index_engine, search_engine) as searcher:
            runs[index_engine, search_engine] = searcher.batch_search(vectors, qids, k=100, threads=2)
    # Anserini's searcher gives exactly the same run on both indexes; so does the plugin's
    assert runs["plugin", "anserini"] == runs["anserini", "anserini"]
    assert runs["plugin", "plugin"] == runs["anserini", "plugin"]
    reference = ReferenceScorer(docs)
    for qid, vector in queries:
        expected = reference.search(vector, k=100)
        assert len(expected) == 100
        assert runs["plugin", "plugin"][qid] == expected  # exact integer dot products, ties by id
        assert [h.doc_id for h in runs["plugin", "anserini"][qid]] == [h.doc_id for h in expected]


def write_lines(path, lines, compress=False):
    data = "".join(lines).encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def record(doc_id, vector, **extra):
    return json.dumps({"id": doc_id, "vector": vector, **extra}, ensure_ascii=False) + "\n"


def test_edge_cases_of_the_input_files(tmp_path, jvm_started):
    from lsr_lucene.indexing.plugin import index_vector_files

    long_text = "x" * (3 << 20)  # one 3 MB line: longer than the reader's 1 MB blocks
    first = write_lines(tmp_path / "a.jsonl", [
        record("d1", {"ä": 2, "日本": 3, "##s": 1}, contents="text"),
        "\n", "  \n",
        record("d2", {}),  # empty vector: skipped and counted, as Anserini skips empty documents
        '{"id": 17, "vector": {"ä": 5}}\r\n',  # a numeric id, CRLF
        record("d3", {"b": 1}, contents=long_text),
        record("d4", {"ä": 1, "b": 4}).rstrip("\n"),  # no final newline
    ])
    second = write_lines(tmp_path / "b.jsonl.gz", [record(f"g{i}", {"b": 1 + i}) for i in range(3)], compress=True)
    counters = index_vector_files([first, second], tmp_path / "index", threads=2, progress=False)
    assert counters == {"indexed": 7, "empty": 1, "postings": 10, "impact_sum": 23}
    index = inspector(tmp_path / "index")
    try:
        assert index.numDocs() == 7
        assert index.termStatistics("contents") == "##s\t1\t1\nb\t5\t11\nä\t3\t8\n日本\t1\t3\n"
        assert index.termStatistics("id") == "".join(f"{i}\t1\t1\n" for i in sorted(
            ["d1", "17", "d3", "d4", "g0", "g1", "g2"]))
    finally:
        index.close()


BAD = [
    ('{"id": "x", "vector": {"a": 1.5}}', 'weight of term \'a\' is 1.5: impacts must be integers'),
    ('{"id": "x", "vector": {"a": 0}}', "impacts must be >= 1"),
    ('{"id": "x", "vector": {"a": "3"}}', "impacts must be integers"),
    ('{"id": "x", "vector": {"a": 9999999999}}', "impacts must be integers"),
    ('{"id": "x", "vector": {"a b": 3}}', "holds whitespace"),
    ('{"id": "x", "vector": {"": 3}}', "is empty"),
    ('{"id": "x", "vector": {"a": 1, "a": 2}}', "Duplicate field 'a'"),
    ('{"id": "x", "vector": [0.1, 0.2]}', "dense vectors"),
    ('{"id": "x", "contents": "no vector"}', "record has no 'vector' object"),
    ('{"vector": {"a": 1}}', "record has no 'id'"),
    ('{"id": "x", "vector": {"a": 1}', "malformed JSON"),
    ('[1, 2]', "expected a JSON object"),
]


@pytest.mark.parametrize("line,message", BAD, ids=[m for _, m in BAD])
def test_a_bad_record_names_file_line_and_id(tmp_path, jvm_started, line, message):
    from lsr_lucene.indexing.plugin import index_vector_files

    good = "".join(record(f"ok{i}", {"a": 1}) for i in range(5))
    path = write_lines(tmp_path / "bad.jsonl", [good, "\n", line + "\n", good])
    with pytest.raises(InputFileError) as err:
        index_vector_files([path], tmp_path / "index", threads=2, progress=False)
    assert str(err.value).startswith(f"{path}:7")
    assert message in str(err.value)
    if '"id": "x"' in line and "malformed" not in message:
        assert "(id 'x')" in str(err.value)
    assert not any((tmp_path / "index").glob("segments_*"))  # nothing committed


def test_a_missing_shard_is_a_clear_error(tmp_path, jvm_started):
    from lsr_lucene.indexing.plugin import index_vector_files

    with pytest.raises(InputFileError, match=r"gone\.jsonl: cannot open \(java.nio.file.NoSuchFileException"):
        index_vector_files([tmp_path / "gone.jsonl"], tmp_path / "index", threads=2, progress=False)


def test_a_truncated_gzip_shard_is_a_clear_error(tmp_path, jvm_started):
    from lsr_lucene.indexing.plugin import index_vector_files

    data = gzip.compress("".join(record(f"d{i}", {"a": 1 + i % 9}) for i in range(5000)).encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputFileError, match="cut.jsonl.gz.*unreadable file"):
        index_vector_files([tmp_path / "cut.jsonl.gz"], tmp_path / "index", threads=1, progress=False)


def test_without_javac_the_plugin_engine_falls_back_to_anserini_with_a_clear_message(tmp_path):
    """A fresh home (no built jar), no javac on PATH: `index --engine plugin` warns and builds with Anserini."""
    from lsr_lucene.encoding.stages.sparse import DOCS_KIND
    from lsr_lucene.io.shards import ShardedJsonlWriter

    writer = ShardedJsonlWriter(tmp_path / "vectors", DOCS_KIND, {"test": True})
    for i in range(20):
        writer.write({"id": f"d{i}", "contents": "", "vector": {"a": 1 + i, "b": 2}}, {"postings": 2})
    writer.finish()
    env = {k: v for k, v in os.environ.items() if k not in ("JAVAC", "JAVA_HOME")}
    env.update(PATH=os.path.dirname(sys.executable), LSR_LUCENE_HOME=str(tmp_path / "home"),
               PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-m", "lsr_lucene.cli.main", "index", "--vectors",
                           str(tmp_path / "vectors"), "--index", str(tmp_path / "index"), "--engine", "plugin",
                           "--quiet"], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "javac not found" in done.stderr and "using Anserini's IndexCollection" in done.stderr
    assert json.loads(done.stdout)["engine"] == "anserini"
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["engine"] == "anserini" and manifest["lucene"]["documents"] == 20
    assert not (tmp_path / "home" / "jars").exists() or not any((tmp_path / "home" / "jars").glob("*.jar"))


def test_one_input_file_gives_anserinis_index_byte_for_byte(tmp_path, jvm_started):
    """Documents are written in input order from one thread, as Anserini does for one file: the same files with
    the same bytes, apart from the segment ids in headers and the checksums in footers."""
    from lsr_lucene.encoding.stages.sparse import DOCS_KIND
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.io.manifest import sha256_file, write_manifest

    rng = random.Random(11)
    path = tmp_path / "vectors" / "shards" / "part-00000.jsonl"
    path.parent.mkdir(parents=True)
    lines = [record(f"d{rng.randrange(10**6)}-{i}", {f"t{j}": rng.randint(1, 200) for j in
                                                      rng.sample(range(3000), rng.randint(1, 120))})
             for i in range(3000)]
    write_lines(path, lines)
    write_manifest(tmp_path / "vectors", {
        "kind": DOCS_KIND, "config": {"test": True}, "complete": True, "totals": {"records": 3000},
        "shards": [{"file": "shards/part-00000.jsonl", "records": 3000, "sha256": sha256_file(path)}]})
    for engine in ENGINES:
        index_impact(tmp_path / "vectors", tmp_path / engine, threads=3, progress=False, engine=engine)
    files = {engine: {p.name: p.read_bytes() for p in (tmp_path / engine).iterdir()
                      if p.suffix not in (".si", ".json") and not p.name.startswith(("segments", "write"))}
             for engine in ENGINES}
    assert files["plugin"].keys() == files["anserini"].keys() and len(files["plugin"]) >= 10
    for name, data in files["plugin"].items():
        other = files["anserini"][name]
        assert len(data) == len(other), name
        assert sum(a != b for a, b in zip(data, other)) <= 24, name  # 16-byte segment id, 8-byte checksum


@pytest.mark.parametrize("threads", [1, 3])
def test_a_cancelled_indexer_stops_and_commits_nothing(tmp_path, jvm_started, threads):
    from lsr_lucene import jvm

    lines = [record(f"d{i}", {f"t{j}": 1 + j for j in range(i % 50, i % 50 + 40)}) for i in range(40_000)]
    path = write_lines(tmp_path / "big.jsonl", lines)
    indexer = jvm.autoclass("org.lsrlucene.index.ImpactIndexer")(str(tmp_path / "index"), threads, 0.0, False)
    indexer.start([str(path)])
    indexer.cancel()
    assert indexer.waitFor(60_000)
    assert indexer.failure().getClass().getName() == "java.util.concurrent.CancellationException"
    assert indexer.indexed() < 40_000
    assert not any((tmp_path / "index").glob("segments_*"))
