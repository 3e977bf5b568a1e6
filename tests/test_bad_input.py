"""Bad input, case by case: the exact error class, a message that names the culprit (file, line, id, name), and
under the skip policy every valid record kept."""

from __future__ import annotations

import gzip
import json

import pytest

from lsr_lucene.collections import BadInput, load_collection
from lsr_lucene.collections.files import read_docs, read_queries
from lsr_lucene.errors import (ConfigError, CorpusFormatError, InputFileError, ManifestError, SetupError,
                               UnknownNameError)
from lsr_lucene.io.trec import read_qrels, read_run
from lsr_lucene.io.vectors import vectors_source

GOOD = ['{"_id": "g1", "text": "first valid document"}', '{"_id": "g2", "title": "T", "text": "second"}']

# name, file name, lines inserted between the two valid lines, error class, fragments of the message
DOC_CASES = [
    ("malformed json", "docs.jsonl", ['{"_id": "x", "text": '], CorpusFormatError, ["docs.jsonl:2", "malformed JSON"]),
    ("not an object", "docs.jsonl", ['["x", "text"]'], CorpusFormatError, ["docs.jsonl:2", "expected a JSON object"]),
    ("no id", "docs.jsonl", ['{"text": "no id"}'], CorpusFormatError, ["docs.jsonl:2", "no id field"]),
    ("empty id", "docs.jsonl", ['{"_id": " ", "text": "x"}'], InputFileError, ["docs.jsonl:2", "empty id"]),
    ("duplicate id", "docs.jsonl", ['{"_id": "g1", "text": "again"}'], InputFileError,
     ["docs.jsonl:2", "'g1'", "duplicate"]),
    ("empty text", "docs.jsonl", ['{"_id": "e", "title": "", "text": ""}'], InputFileError,
     ["docs.jsonl:2", "'e'", "empty"]),
    ("whitespace-only text", "docs.jsonl", ['{"_id": "w", "text": " \\n\\t "}'], InputFileError,
     ["docs.jsonl:2", "'w'", "empty"]),
    ("text not a string", "docs.jsonl", ['{"_id": "n", "text": 42}'], CorpusFormatError,
     ["docs.jsonl:2", "'n'", "must be a string"]),
    ("title not a string", "docs.jsonl", ['{"_id": "t", "title": ["a"], "text": "x"}'], CorpusFormatError,
     ["docs.jsonl:2", "'t'", "title"]),
    ("tsv field count", "docs.tsv", ["only-one-field"], CorpusFormatError, ["docs.tsv:2", "fields"]),
    ("tsv empty text", "docs.tsv", ["d9\t  "], InputFileError, ["docs.tsv:2", "'d9'", "empty"]),
]


def _tsv(line: str) -> str:
    record = json.loads(line)
    return f"{record['_id']}\t{record['text']}"


def write_docs(tmp_path, name, middle):
    good = GOOD if name.endswith(".jsonl") else [_tsv(g) for g in GOOD]
    path = tmp_path / name
    path.write_text("\n".join([good[0], *middle, good[1]]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("case", DOC_CASES, ids=[c[0] for c in DOC_CASES])
def test_bad_document(tmp_path, case):
    _, name, middle, error, fragments = case
    path = write_docs(tmp_path, name, middle)
    with pytest.raises(error) as info:
        list(read_docs(path))
    assert type(info.value) is error
    for fragment in fragments:
        assert fragment in str(info.value)
    bad = BadInput("skip")
    assert [d.id for d in read_docs(path, bad)] == ["g1", "g2"]  # nothing valid lost
    assert len(bad.skipped) == 1 and bad.skipped[0]["line"] == 2


def test_invalid_utf8(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b'{"_id": "g1", "text": "ok"}\n{"_id": "u", "text": "caf\xe9"}\n')
    with pytest.raises(CorpusFormatError, match=r"docs.jsonl:2: invalid UTF-8"):
        list(read_docs(path))


def test_truncated_gzip(tmp_path):
    path = tmp_path / "docs.jsonl.gz"
    data = gzip.compress(("\n".join(GOOD * 200) + "\n").encode())
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorpusFormatError, match="docs.jsonl.gz.*unreadable"):
        list(read_docs(path))


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="nothing.jsonl: no such file"):
        list(read_docs(tmp_path / "nothing.jsonl"))


@pytest.mark.parametrize("line, fragments", [
    ('{"_id": "q1", "text": ""}', ["q.jsonl:2", "'q1'", "query text is empty"]),
    ('{"_id": "q0", "text": "again"}', ["q.jsonl:2", "'q0'", "duplicate query id"]),
    ('{"text": "who am I"}', ["q.jsonl:2", "no id field"]),
])
def test_bad_query(tmp_path, line, fragments):
    path = tmp_path / "q.jsonl"
    path.write_text('{"_id": "q0", "text": "fine"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        list(read_queries(path))
    for fragment in fragments:
        assert fragment in str(info.value)
    assert [q.id for q in read_queries(path, BadInput("skip"))] == ["q0"]


@pytest.mark.parametrize("line, fragment", [("1\tdoc", "fields"), ("1\td1\tvery", "relevance 'very'")])
def test_bad_qrels(tmp_path, line, fragment):
    path = tmp_path / "qrels.tsv"
    path.write_text("query-id\tcorpus-id\tscore\n1\td0\t1\n" + line + "\n")
    with pytest.raises(CorpusFormatError, match=f"qrels.tsv:3.*{fragment}"):
        list(read_qrels(path))


@pytest.mark.parametrize("line, fragment", [("q1 Q0 d1 1 1.0", "6 fields"), ("q1 Q0 d1 1 high run", "high")])
def test_bad_run_file(tmp_path, line, fragment):
    path = tmp_path / "run.trec"
    path.write_text(line + "\n")
    with pytest.raises(CorpusFormatError, match=f"run.trec:1.*{fragment}"):
        read_run(path)


VECTOR_CASES = [
    ("float weight", '{"id": "v", "vector": {"a": 0.53}}', "0.53: impacts must be integers"),
    ("zero weight", '{"id": "v", "vector": {"a": 0}}', "impacts must be >= 1"),
    ("negative weight", '{"id": "v", "vector": {"a": -4}}', "impacts must be >= 1"),
    ("NaN weight", '{"id": "v", "vector": {"a": NaN}}', "must be finite"),
    ("infinite weight", '{"id": "v", "vector": {"a": Infinity}}', "must be finite"),
    ("string weight", '{"id": "v", "vector": {"a": "3"}}', "must be integers"),
    ("boolean weight", '{"id": "v", "vector": {"a": true}}', "must be integers"),
    ("term with space", '{"id": "v", "vector": {"a b": 3}}', "whitespace"),
    ("term with control char", '{"id": "v", "vector": {"a\\u0007": 3}}', "control"),
    ("no vector", '{"id": "v", "contents": "x"}', "no 'vector'"),
    ("no id", '{"vector": {"a": 1}}', "no 'id'"),
    ("duplicate id", '{"id": "ok", "vector": {"b": 1}}', "duplicate document id"),
]


@pytest.mark.parametrize("case", VECTOR_CASES, ids=[c[0] for c in VECTOR_CASES])
def test_bad_vector_file(tmp_path, case):
    _, line, fragment = case
    folder = tmp_path / "vectors"
    folder.mkdir()
    (folder / "part.jsonl").write_text('{"id": "ok", "vector": {"a": 2}}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        vectors_source(folder)
    assert type(info.value) is InputFileError
    assert "part.jsonl:2" in str(info.value) and fragment in str(info.value)


def test_stray_file_in_vectors_folder(tmp_path):
    (tmp_path / "part.jsonl").write_text('{"id": "ok", "vector": {"a": 2}}\n')
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputFileError, match="notes.txt: stray file"):
        vectors_source(tmp_path)


def test_unknown_names():
    from lsr_lucene.models import resolve_model

    with pytest.raises(UnknownNameError, match="unknown model 'splad'.*splade-tiny"):
        resolve_model("splad")
    with pytest.raises(UnknownNameError, match="unknown collection 'argu'.*arguana"):
        load_collection("argu")


def test_model_folder_without_config(tmp_path):
    from lsr_lucene.models import resolve_model

    with pytest.raises(SetupError, match="no config.json"):
        resolve_model(str(tmp_path))


def test_bad_heap_setting():
    import subprocess
    import sys

    code = "from lsr_lucene import jvm; jvm.start('lots')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "JvmError" in done.stderr and "heap 'lots' is not a size" in done.stderr


def test_bad_policy_name():
    with pytest.raises(ConfigError, match="bad-input policy"):
        BadInput("ignore")


def test_resume_into_a_folder_of_other_settings(tmp_path):
    from lsr_lucene.io.shards import ShardedJsonlWriter

    writer = ShardedJsonlWriter(tmp_path, "k", {"model": "a"}, shard_size=1)
    writer.write({"id": "1"})
    with pytest.raises(ManifestError, match="different config"):
        ShardedJsonlWriter(tmp_path, "k", {"model": "b"}, shard_size=1)


def test_not_an_index(tmp_path, jvm_started):
    from lsr_lucene.search.impact import AnseriniImpactSearcher

    with pytest.raises(InputFileError, match="not a Lucene index"):
        AnseriniImpactSearcher(tmp_path)


def test_java_out_of_memory_names_the_heap_and_the_fix():
    import subprocess
    import sys

    code = ("from lsr_lucene import jvm\n"
            "jvm.start('32m')\n"
            "try:\n"
            "    jvm.autoclass('java.util.ArrayList')(200_000_000)\n"
            "except Exception as exc:\n"
            "    print(jvm.java_failure(exc, 'allocating'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "allocating: Java ran out of heap (32 MiB max): raise it with --heap" in done.stdout, done.stderr
