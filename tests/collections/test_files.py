import gzip
import json

import pytest

from lsr_lucene.collections import BadInput, load_collection
from lsr_lucene.collections.files import read_docs, read_queries
from lsr_lucene.errors import CorpusFormatError, InputFileError, UnknownNameError
from lsr_lucene.types import Doc

from ..conftest import shared


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_jsonl_beir_and_anserini_fields(tmp_path):
    path = write(tmp_path / "docs.jsonl", [json.dumps({"_id": "a", "title": "T", "text": "x"}),
                                          json.dumps({"id": "b", "contents": "y"})])
    docs = list(read_docs(path))
    assert docs == [Doc("a", "T", "x"), Doc("b", "", "y")]
    assert docs[0].contents == "T\nx" and docs[1].contents == "y"


def test_tsv_docs_and_gzip(tmp_path):
    path = tmp_path / "docs.tsv.gz"
    with gzip.open(path, "wt") as out:
        out.write("1\thello world\n2\tTitle\tbody\n")
    assert list(read_docs(path)) == [Doc("1", "", "hello world"), Doc("2", "Title", "body")]


def test_malformed_json_names_file_and_line(tmp_path):
    path = write(tmp_path / "docs.jsonl", [json.dumps({"_id": "a", "text": "x"}), '{"_id": "b", "text": '])
    with pytest.raises(CorpusFormatError, match=r"docs.jsonl:2: malformed JSON"):
        list(read_docs(path))


def test_empty_and_duplicate_documents_fail_fast_or_are_skipped(tmp_path):
    path = write(tmp_path / "docs.jsonl", [json.dumps({"_id": "a", "text": "x"}),
                                          json.dumps({"_id": "b", "title": " ", "text": ""}),
                                          json.dumps({"_id": "a", "text": "again"}),
                                          json.dumps({"_id": "c", "text": "z"})])
    with pytest.raises(InputFileError, match=r"docs.jsonl:2 \(id 'b'\): document is empty"):
        list(read_docs(path))
    bad = BadInput("skip")
    assert [d.id for d in read_docs(path, bad)] == ["a", "c"]
    assert [(s["line"], s["id"]) for s in bad.skipped] == [(2, "b"), (3, "a")]
    bad.save(tmp_path / "skipped.json")
    assert len(json.loads((tmp_path / "skipped.json").read_text())["skipped"]) == 2


def test_missing_file_and_invalid_utf8(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        list(read_docs(tmp_path / "nope.jsonl"))
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"_id": "a", "text": "ok"}\n{"_id": "b", "text": "\xff"}\n')
    with pytest.raises(CorpusFormatError, match="invalid UTF-8"):
        list(read_docs(path))


def test_queries_jsonl_and_tsv(tmp_path):
    assert list(read_queries(write(tmp_path / "q.tsv", ["1\twhat is x"])))[0].text == "what is x"
    with pytest.raises(InputFileError, match="query text is empty"):
        list(read_queries(write(tmp_path / "q.jsonl", [json.dumps({"_id": "1", "text": "  "})])))


def test_short_names_resolve_to_shared_data_with_the_beir_convention():
    scifact, cranfield = shared("scifact"), shared("cranfield")
    collection = load_collection("scifact")
    assert collection.folder.resolve() == scifact.resolve() and collection.remove_query_hits
    assert collection.splits() == ["test", "train"]
    assert sum(1 for _ in collection.qrels_iter("test")) == 339
    classic = load_collection("cranfield")
    assert classic.folder.resolve() == cranfield.resolve() and not classic.remove_query_hits


def test_embedded_scifact_is_whole():
    from lsr_lucene.collections.beir import BeirCollection
    from lsr_lucene.collections.resolve import EMBEDDED_DIR

    embedded = BeirCollection(EMBEDDED_DIR / "scifact")
    assert sum(1 for _ in embedded.docs_iter()) == 5183
    assert sum(1 for _ in embedded.queries_iter()) == 1109
    assert sum(1 for _ in embedded.qrels_iter("test")) == 339


def test_unknown_collection_lists_known_names():
    with pytest.raises(UnknownNameError) as info:
        load_collection("scifakt")
    assert "scifact" in str(info.value) and "arguana" in str(info.value)


def test_a_short_name_beats_a_same_named_folder_that_is_not_a_collection(tmp_path, monkeypatch):
    from lsr_lucene.collections import load_collection

    (tmp_path / "scifact" / "runs").mkdir(parents=True)  # `lsr-lucene run --output scifact` made it
    monkeypatch.chdir(tmp_path)
    collection = load_collection("scifact")
    assert collection.name == "scifact" and next(collection.docs_iter()).id
