"""The quantized vectors as OpenSearch (or Elasticsearch) input: a ``rank_features`` mapping, a bulk file of the
documents and an ``_msearch`` file of the queries.

A ``rank_features`` field holds ``{feature: positive number}``; a query scores a document by the sum over its terms
of query weight x document weight (``neural_sparse`` with ``query_tokens``, or a ``bool`` of ``rank_feature``
queries with a ``linear`` function), the same dot product as the Lucene impact index. Two differences to know:
feature names are field paths, so ``.`` in a term is written ``%2E`` (and ``%`` as ``%25``); and ``rank_features``
keeps 9 significant bits per value, so impacts above 511 are stored with up to 0.4% relative error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

from ..io.vectors import QUERIES_KIND
from ..io.atomic import atomic_open
from ..io.jsonl import dumps, read_jsonl
from ..io.shards import completed_manifest
from ..io.vectors import DOCS_KIND, validate_vector_record
from ..types import ImpactVector

FIELD = "vector"


def feature_name(term: str) -> str:
    """``term`` as a ``rank_features`` key: ``%`` and ``.`` percent-escaped."""
    return term.replace("%", "%25").replace(".", "%2E") if ("." in term or "%" in term) else term


def features(vector: ImpactVector) -> dict[str, int]:
    return {feature_name(term): weight for term, weight in vector.items()}


def mapping(field: str = FIELD) -> dict[str, Any]:
    """Index settings and mapping: the id as keyword, the text stored, the vector as ``rank_features``."""
    return {"mappings": {"properties": {"id": {"type": "keyword"}, "contents": {"type": "text", "index": False},
                                        field: {"type": "rank_features"}}}}


def _records(folder: str | os.PathLike, kind: str) -> Iterator[dict[str, Any]]:
    manifest = completed_manifest(folder, kind)
    for shard in manifest["shards"]:
        path = Path(folder) / shard["file"]
        for line_no, record in read_jsonl(path):
            doc_id, vector = validate_vector_record(record, path, line_no)
            yield {"id": str(doc_id), "contents": record.get("contents", ""), "vector": vector}


def write_bulk(vectors: str | os.PathLike, output: str | os.PathLike, index: str, field: str = FIELD) -> int:
    """Write the documents of an encode output as a ``_bulk`` NDJSON file; the number of documents."""
    count = 0
    with atomic_open(output) as out:
        for record in _records(vectors, DOCS_KIND):
            out.write(dumps({"index": {"_index": index, "_id": record["id"]}}) + "\n")
            out.write(dumps({"id": record["id"], "contents": record["contents"],
                             field: features(record["vector"])}) + "\n")
            count += 1
    return count


def query_body(vector: ImpactVector, k: int, field: str = FIELD) -> dict[str, Any]:
    """A ``neural_sparse`` search body scoring by the dot product with the pre-encoded query vector."""
    return {"size": k, "_source": ["id"], "query": {"neural_sparse": {field: {"query_tokens": features(vector)}}}}


def write_msearch(queries: str | os.PathLike, output: str | os.PathLike, index: str, k: int = 1000,
                  field: str = FIELD) -> int:
    """Write the queries of an encode output as an ``_msearch`` NDJSON file (a header and a body per query) and
    their ids, in the same order, to ``<output>.qids``; the number of queries."""
    qids = []
    with atomic_open(output) as out:
        for record in _records(queries, QUERIES_KIND):
            out.write(dumps({"index": index}) + "\n")
            out.write(dumps(query_body(record["vector"], k, field)) + "\n")
            qids.append(record["id"])
    with atomic_open(f"{output}.qids") as out:
        out.write("".join(q + "\n" for q in qids))
    return len(qids)
