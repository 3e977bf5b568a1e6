"""Index updates: an impact index updated with new and replaced documents and deletions searches like an index built
from scratch on the final documents (same hits, same scores, same statistics), whichever engine built it; a killed
update leaves the old index as it was; bad input is refused in one line and changes nothing."""

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from lsr_lucene.errors import ConfigError, InputFileError
from lsr_lucene.io.manifest import sha256_file
from lsr_lucene.search.reference import ReferenceScorer

ENGINES = ("anserini", "plugin")
BASE, NEW, REPLACED = range(0, 240), range(240, 300), range(0, 30)
DELETED = [*range(30, 50), *range(250, 255)]


def inspector(index_dir):
    from lsr_lucene import jvm

    return jvm.autoclass("org.lsrlucene.index.IndexInspector")(str(index_dir))


def write_vectors(folder, records):
    folder.mkdir(parents=True)
    with open(folder / "part-000.jsonl", "w", encoding="utf-8") as out:
        for doc_id, vector in records:
            out.write(json.dumps({"id": doc_id, "vector": vector}) + "\n")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, encoder, jvm_started):
    """300 real SciFact documents encoded by SPLADE-tiny: the first 240 (vectors ``a``), an update (vectors ``b``) of
    60 new documents and 30 replaced ones (their title alone), 25 ids to delete (old and new), the final documents'
    vectors (a plain folder) and 40 test queries."""
    from lsr_lucene.collections import load_collection
    from lsr_lucene.encoding.stages.sparse import DOCS_KIND, EncodeConfig, EncodeSettings, encode_documents, encode_queries
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.types import Doc

    root = tmp_path_factory.mktemp("updates")
    collection = load_collection("scifact")
    docs = list(itertools.islice(collection.docs_iter(), 300))
    config = EncodeConfig(dtype="fp32", max_length=128)
    settings = EncodeSettings(shard_size=50, progress=False)
    encode_documents([docs[i] for i in BASE], root / "a", config, settings, encoder=encoder)
    changed = [Doc(docs[i].id, "", docs[i].title) for i in REPLACED]
    encode_documents(changed + [docs[i] for i in NEW], root / "b", config, settings, encoder=encoder)
    encode_queries(judged_queries(collection, "test")[0][:40], root / "queries", config, settings, encoder=encoder)
    (root / "deleted.txt").write_text("".join(docs[i].id + "\n" for i in DELETED))
    final = dict(read_vectors(root / "a", DOCS_KIND))
    b = dict(read_vectors(root / "b", DOCS_KIND))
    assert all(final[d.id] != b[d.id] for d in changed)
    final.update(b)
    for i in DELETED:
        del final[docs[i].id]
    write_vectors(root / "final", sorted(final.items()))
    return root, sorted(final.items()), list(read_vectors(root / "queries"))


def searches(index_dir, queries):
    """Runs (k=100) of both searchers, the plugin's with each strategy."""
    from lsr_lucene.search.impact import open_impact_searcher
    from lsr_lucene.search.plugin import PluginImpactSearcher

    qids, vectors = [q for q, _ in queries], [v for _, v in queries]
    runs = {}
    for strategy in ("exhaustive", "pruned"):
        with PluginImpactSearcher(index_dir, strategy) as searcher:
            runs[strategy] = searcher.batch_search(vectors, qids, k=100, threads=2)
    with open_impact_searcher(index_dir, "anserini") as searcher:
        runs["anserini"] = searcher.batch_search(vectors, qids, k=100, threads=2)
    return runs


def index_fingerprint(index_dir):
    index = inspector(index_dir)
    try:
        return index.termStatistics("contents"), index.postingsDigest("contents"), index.termStatistics("id")
    finally:
        index.close()


@pytest.fixture(scope="module")
def scratch(corpus, tmp_path_factory):
    from lsr_lucene.indexing.impact import index_impact

    root, _, queries = corpus
    index = tmp_path_factory.mktemp("scratch") / "index"
    manifest = index_impact(root / "final", index, progress=False)
    return manifest, searches(index, queries), index_fingerprint(index)


def file_hashes(index_dir):
    return {p.name: sha256_file(p) for p in sorted(index_dir.iterdir())}


@pytest.mark.parametrize("engine", ENGINES)
def test_updated_index_searches_as_one_built_from_scratch(corpus, scratch, tmp_path, engine):
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.indexing.update import delete_documents, update_index
    from lsr_lucene.indexing.verify import verify_index

    root, final, queries = corpus
    scratch_manifest, scratch_runs, scratch_fingerprint = scratch
    index = tmp_path / "index"
    built = index_impact(root / "a", index, progress=False, engine=engine)
    updated = update_index(index, root / "b", progress=False)
    assert updated["updates"][0]["counters"] == {**updated["updates"][0]["counters"], "indexed": 90, "added": 60,
                                                 "replaced": 30, "deleted": 0, "empty": 0}
    assert update_index(index, root / "b", progress=False) == updated  # rerunning the last update changes nothing
    manifest = delete_documents(index, root / "deleted.txt")
    assert manifest["updates"][1]["counters"] == {"deleted": 25}
    assert [u["op"] for u in manifest["updates"]] == ["update", "delete"]
    assert manifest["engine"] == built["engine"] == engine and manifest["config"] == built["config"]
    assert manifest["lucene"] == scratch_manifest["lucene"]  # documents, terms, postings: deletions expunged
    assert manifest["lucene"]["documents"] == len(final) == 240 + 60 - 25
    assert index_fingerprint(index) == scratch_fingerprint
    report = verify_index(index, sample=300)
    assert report.ok and (report.expected_documents, report.sampled) == (len(final), len(final))
    runs = searches(index, queries)
    assert runs == scratch_runs  # hit for hit, score for score, both searchers
    reference = ReferenceScorer(final)
    for qid, vector in queries:
        assert runs["exhaustive"][qid] == reference.search(vector, k=100)
    assert not list(tmp_path.glob(".*"))  # no copy left beside the index


def test_a_deleted_document_is_never_returned(corpus, scratch, tmp_path):
    """Deletions still in the segments (an index deleted from by another Lucene writer) are skipped by both of the
    plugin's strategies, its approximate search and Anserini's searcher."""
    from lsr_lucene import jvm
    from lsr_lucene.encoding.stages.sparse import DOCS_KIND
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.approximate import Approximation
    from lsr_lucene.search.plugin import PluginImpactSearcher

    root, final, queries = corpus
    index = tmp_path / "index"
    index_impact(root / "a", index, progress=False)
    gone = sorted({doc_id for doc_id, _ in read_vectors(root / "a", DOCS_KIND)} - {doc_id for doc_id, _ in final})
    assert len(gone) == 20  # the base documents deleted (replaced ones are still in "a")
    directory = jvm.autoclass("org.apache.lucene.store.FSDirectory").open(
        jvm.autoclass("java.io.File")(str(index)).toPath())
    config = jvm.autoclass("org.apache.lucene.index.IndexWriterConfig")()
    writer = jvm.autoclass("org.apache.lucene.index.IndexWriter")(directory, config)
    term, query = jvm.autoclass("org.apache.lucene.index.Term"), jvm.autoclass("org.apache.lucene.search.TermQuery")
    writer.deleteDocuments(*[jvm.cast("org.apache.lucene.search.Query", query(term("id", d))) for d in gone])
    writer.commit()
    writer.close()
    directory.close()
    segments = inspector(index)
    assert segments.numDocs() == 220 and index_fingerprint(index)[2].count("\n") == 240  # deleted, not expunged
    segments.close()
    runs = list(searches(index, queries).values())
    with PluginImpactSearcher(index, approximation=Approximation(postings_fraction=0.5, candidates=150)) as searcher:
        runs.append(searcher.batch_search([v for _, v in queries], [q for q, _ in queries], k=100))
    for run in runs:
        returned = {hit.doc_id for hits in run.values() for hit in hits}
        assert returned and not returned & set(gone)


def kill_when(cmd, ready):
    """Run ``cmd`` and SIGKILL it once ``ready()`` holds (polled; the process must not exit first)."""
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while process.poll() is None and not ready() and time.time() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, f"the update ended before it could be killed: {process.stderr.read()}"
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    process.stderr.close()


PAUSE = """import sys, time, pathlib, lsr_lucene.io.atomic as atomic
real = getattr(atomic, sys.argv[1])
def pause(*args):
    if sys.argv[1] == "_exchange":
        real(*args)
    pathlib.Path(sys.argv[2]).touch()
    time.sleep(600)
setattr(atomic, sys.argv[1], pause)
from lsr_lucene.cli.main import main
main(sys.argv[3:])
"""
"""Runs the CLI with ``lsr_lucene.io.atomic.<argv[1]>`` replaced by a pause (after the call, for ``_exchange``)
that makes the file ``argv[2]``."""


def test_a_killed_update_leaves_the_old_index_intact(corpus, scratch, tmp_path):
    from lsr_lucene.indexing.manifest import lucene_stats
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.indexing.update import delete_documents
    from lsr_lucene.io.manifest import read_manifest

    root, _, queries = corpus
    index = tmp_path / "index"
    index_impact(root / "a", index, progress=False)
    old_files, old_runs = file_hashes(index), searches(index, queries)
    update = ["index", "--vectors", str(tmp_path / "b"), "--index", str(index), "--update", "--quiet"]
    cli = [sys.executable, "-m", "lsr_lucene.cli.main"]

    # 1. while Java adds the documents: the update's second shard is a FIFO, killed once Java reads it, half written
    shutil.copytree(root / "b", tmp_path / "b")
    shard = json.loads((root / "b" / "manifest.json").read_text())["shards"][1]["file"]
    fifo, data = tmp_path / "b" / shard, (root / "b" / shard).read_bytes()
    fifo.unlink()
    os.mkfifo(fifo)
    held = []

    def reading() -> bool:
        try:  # succeeds once the indexer has opened the FIFO
            held.append(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            return False
        os.write(held[0], data[:len(data) // 2])
        return True

    kill_when([*cli, *update], reading)
    os.close(held[0])
    assert list(tmp_path.glob(".index.*.tmp"))  # the copy being updated, left by the kill
    assert file_hashes(index) == old_files and searches(index, queries) == old_runs
    fifo.unlink()
    fifo.write_bytes(data)

    # 2. once the copy is committed with its manifest, just before the swap
    marker = tmp_path / "paused"
    kill_when([sys.executable, "-c", PAUSE, "replace_dir", str(marker), *update], marker.exists)
    assert file_hashes(index) == old_files and searches(index, queries) == old_runs
    marker.unlink()

    # 3. just after the swap, before the old files are removed: the updated index and its manifest are in place
    kill_when([sys.executable, "-c", PAUSE, "_exchange", str(marker), *update], marker.exists)
    manifest = read_manifest(index)
    assert [u["op"] for u in manifest["updates"]] == ["update"] and manifest["lucene"] == lucene_stats(index)
    assert searches(index, queries) != old_runs

    # rerunning finds the update done; the next job removes the old copy
    done = subprocess.run([*cli, *update], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["updates"] == 1
    delete_documents(index, root / "deleted.txt")
    assert searches(index, queries) == scratch[1]
    assert not list(tmp_path.glob(".index.*"))


def test_bad_input_is_refused_in_one_line_and_changes_nothing(corpus, encoder, tmp_path, capsys):
    from lsr_lucene.cli.main import main
    from lsr_lucene.collections import load_collection
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.indexing.update import delete_documents, update_index
    from lsr_lucene.quantize import QuantizationConfig

    root, _, _ = corpus
    index = tmp_path / "index"
    index_impact(root / "a", index, progress=False)
    before = file_hashes(index)
    ids = tmp_path / "ids.txt"
    ids.write_text("4983\n\nnot-a-doc\n")  # 4983 is SciFact's first document
    with pytest.raises(InputFileError, match=rf"^{ids}:3 \(id 'not-a-doc'\): no document with this id in {index}$"):
        delete_documents(index, ids)
    ids.write_text("4983\n4983\n")
    with pytest.raises(InputFileError, match=r":2 \(id '4983'\): id repeated \(first on line 1\)$"):
        delete_documents(index, ids)

    other = EncodeConfig(dtype="fp32", max_length=128, quantization=QuantizationConfig(scale=50))
    docs = itertools.islice(load_collection("scifact").docs_iter(), 5)
    encode_documents(docs, tmp_path / "other", other, EncodeSettings(progress=False), encoder=encoder)
    with pytest.raises(ConfigError, match=r"other settings than the index .*quantization") as err:
        update_index(index, tmp_path / "other", progress=False)
    assert "\n" not in str(err.value)
    assert file_hashes(index) == before and not list(tmp_path.glob(".index.*"))

    assert main(["delete", "--index", str(tmp_path / "missing"), "--ids", str(ids)]) == 1
    assert main(["index", "--update", "--vectors", str(root / "b"), "--index", str(tmp_path / "missing")]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors == [f"lsr-lucene {cmd}: error: {tmp_path / 'missing'}: not a Lucene index (no segments_N file)"
                      for cmd in ("delete", "index")]


def test_an_empty_vector_deletes_its_document_and_the_cli_reports_the_update(tmp_path, jvm_started, capsys):
    from lsr_lucene.cli.main import main

    first = write_vectors(tmp_path / "first", [(f"d{i}", {"a": 1 + i, "b": 2}) for i in range(6)])
    second = write_vectors(tmp_path / "second", [("d1", {}), ("d2", {"c": 3}), ("d9", {"a": 5}), ("d8", {})])
    (tmp_path / "ids.txt").write_text("d9\nd0\n")
    index, final = str(tmp_path / "index"), str(tmp_path / "final")
    assert main(["index", "--vectors", str(first), "--index", index, "--quiet"]) == 0
    assert main(["index", "--vectors", str(second), "--index", index, "--update", "--quiet"]) == 0
    assert main(["delete", "--index", index, "--ids", str(tmp_path / "ids.txt")]) == 0
    write_vectors(tmp_path / "scratch", [(f"d{i}", {"a": 1 + i, "b": 2}) for i in (3, 4, 5)] + [("d2", {"c": 3})])
    assert main(["index", "--vectors", str(tmp_path / "scratch"), "--index", final, "--quiet"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {k: lines[1][k] for k in ("added", "replaced", "deleted", "empty", "documents", "updates")} == \
        {"added": 1, "replaced": 1, "deleted": 1, "empty": 2, "documents": 6, "updates": 1}
    assert {k: lines[2][k] for k in ("deleted", "documents", "updates")} == {"deleted": 2, "documents": 4, "updates": 2}
    assert {k: v for k, v in lines[2].items() if k in lines[3] and k not in ("index", "bytes")} == \
        {k: v for k, v in lines[3].items() if k in lines[2] and k not in ("index", "bytes")}
    assert index_fingerprint(index) == index_fingerprint(final)
