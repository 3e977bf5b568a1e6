"""Shared fixtures: real data from ../shared/data (or the embedded SciFact), the real SPLADE-tiny model, a real JVM."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
SLICE = REPO / "tests" / "data" / "scifact-slice"
"""100 SciFact documents with their test queries and qrels (see its SOURCE.md): the small collection of the tests."""


def shared(name: str) -> Path:
    """A collection folder from ../shared/data; the test is skipped when it is absent (a user's clone)."""
    path = SHARED / name
    if not path.is_dir():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="session")
def splade_tiny() -> str:
    from lsr_lucene.models import resolve_model

    return resolve_model("splade-tiny")


@pytest.fixture(scope="session")
def encoder(splade_tiny: str):
    from lsr_lucene.encoding.encoders.splade import SpladeEncoder

    return SpladeEncoder(splade_tiny, dtype="fp32", threads=2)


@pytest.fixture(scope="session")
def jvm_started() -> None:
    from lsr_lucene import jvm

    jvm.start()


@pytest.fixture()
def tmp(tmp_path: Path) -> Path:
    return tmp_path


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("LSR_LUCENE_HEAP", "3g")  # Java's default (a quarter of RAM) lets one test process reach 8 GB


@pytest.fixture(scope="session")
def minilm():
    """The real all-MiniLM-L6-v2 dense encoder (bf16, the default), 128 tokens to keep tests quick."""
    from lsr_lucene.encoding.encoders.dense import DenseEncoder

    return DenseEncoder("all-MiniLM-L6-v2", dtype="bf16", threads=2, max_length=128)


@pytest.fixture(scope="session")
def scifact_sample():
    """The first 120 SciFact documents and the test queries judged on them."""
    from lsr_lucene.collections import load_collection

    collection = load_collection("scifact")
    docs = [d for _, d in zip(range(120), collection.docs_iter())]
    ids = {d.id for d in docs}
    qrels = [q for q in collection.qrels_iter("test") if q.doc_id in ids]
    judged = {q.query_id for q in qrels}
    queries = [q for q in collection.queries_iter() if q.id in judged]
    return docs, queries, qrels


@pytest.fixture(scope="session")
def small_dense(tmp_path_factory, minilm, scifact_sample):
    """A real flat faiss index of the SciFact sample: (index folder, vectors folder, docs, queries, qrels)."""
    from lsr_lucene.encoding.stages.sparse import EncodeSettings
    from lsr_lucene.encoding.stages.dense import DenseEncodeConfig, encode_dense_documents
    from lsr_lucene.indexing.dense import index_dense

    docs, queries, qrels = scifact_sample
    root = tmp_path_factory.mktemp("dense")
    config = DenseEncodeConfig(max_length=128)
    encode_dense_documents(iter(docs), root / "vectors", config, EncodeSettings(shard_size=50, progress=False),
                           encoder=minilm)
    index_dense(root / "vectors", root / "index", progress=False)
    return root / "index", root / "vectors", docs, queries, qrels


@pytest.fixture(scope="session")
def scifact_sample_vectors(tmp_path_factory, scifact_sample):
    """The SciFact sample's documents and judged queries encoded by SPLADE-tiny (128 tokens): (documents folder,
    queries folder)."""
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents, encode_queries

    docs, queries, _ = scifact_sample
    root = tmp_path_factory.mktemp("scifact-sample-vectors")
    config, settings = EncodeConfig(max_length=128), EncodeSettings(progress=False)
    encode_documents(iter(docs), root / "vectors", config, settings)
    encode_queries(queries, root / "queries", config, settings)
    return root / "vectors", root / "queries"
