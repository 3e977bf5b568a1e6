"""The OpenSearch writer: a rank_features mapping, bulk and msearch files that carry every vector exactly."""

from __future__ import annotations

import json

from lsr_lucene.cli.main import main
from lsr_lucene.io.vectors import QUERIES_KIND
from lsr_lucene.io.shards import ShardedJsonlWriter
from lsr_lucene.io.vectors import DOCS_KIND

DOCS = [{"id": "d1", "contents": "one", "vector": {"a": 3, "u.s": 700, "100%": 2}},
        {"id": "d2", "contents": "two", "vector": {"b": 1}}]
QUERIES = [{"id": "q1", "contents": "a?", "vector": {"a": 5, "u.s": 1}}]


def write(folder, kind, records):
    writer = ShardedJsonlWriter(folder, kind, {"test": True}, shard_size=1)
    for record in records:
        writer.write(record)
    writer.finish()
    return folder


def unescape(name):
    return name.replace("%2E", ".").replace("%25", "%")


def test_export_carries_every_vector_and_escapes_field_paths(tmp_path, capsys):
    docs = write(tmp_path / "docs", DOCS_KIND, DOCS)
    queries = write(tmp_path / "queries", QUERIES_KIND, QUERIES)
    out = tmp_path / "os"
    assert main(["export-opensearch", "--vectors", str(docs), "--queries", str(queries), "--output", str(out),
                 "--index-name", "scifact", "--k", "10"]) == 0
    assert json.loads(capsys.readouterr().out) == {"output": str(out), "documents": 2, "queries": 1}
    assert json.loads((out / "mapping.json").read_text())["mappings"]["properties"]["vector"] == {
        "type": "rank_features"}
    lines = [json.loads(line) for line in (out / "bulk.ndjson").read_text().splitlines()]
    assert [a["index"] for a in lines[::2]] == [{"_index": "scifact", "_id": "d1"}, {"_index": "scifact", "_id": "d2"}]
    for source, doc in zip(lines[1::2], DOCS):
        assert not any("." in name for name in source["vector"])
        assert {unescape(k): v for k, v in source["vector"].items()} == doc["vector"]
        assert source["contents"] == doc["contents"]
    header, body = [json.loads(line) for line in (out / "msearch.ndjson").read_text().splitlines()]
    assert header == {"index": "scifact"} and body["size"] == 10
    assert body["query"]["neural_sparse"]["vector"]["query_tokens"] == {"a": 5, "u%2Es": 1}
    assert (out / "msearch.ndjson.qids").read_text() == "q1\n"
