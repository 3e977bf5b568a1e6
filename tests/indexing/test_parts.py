"""An impact index built in parts and merged equals one index of all shards: documents, term statistics, hits and
scores (both engines)."""

from __future__ import annotations

import pytest

from ..conftest import SLICE


@pytest.fixture(scope="module")
def slice_vectors(tmp_path_factory, splade_tiny, jvm_started):
    from lsr_lucene.collections import BadInput, load_collection
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents, encode_queries
    from lsr_lucene.io.vectors import read_vectors

    collection = load_collection(str(SLICE), BadInput("fail"))
    root = tmp_path_factory.mktemp("parts")
    config, settings = EncodeConfig(max_length=256), EncodeSettings(shard_size=20, progress=False)  # 100 docs, 5 shards
    encode_documents(collection.docs_iter(), root / "vectors", config, settings)
    encode_queries(list(collection.queries_iter()), root / "queries", config, settings)
    return root, list(read_vectors(root / "queries"))


def test_split_is_contiguous_and_even():
    from lsr_lucene.indexing.parts import split

    assert split(list(range(5)), 2) == [[0, 1, 2], [3, 4]]
    assert split(list(range(5)), 5) == [[0], [1], [2], [3], [4]]


@pytest.mark.parametrize("engine", ["plugin", "anserini"])
def test_parts_merged_equal_one_index(slice_vectors, engine, tmp_path):
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.impact import open_impact_searcher

    root, queries = slice_vectors
    one = index_impact(root / "vectors", tmp_path / "one", threads=1, progress=False, engine=engine)
    merged = index_impact(root / "vectors", tmp_path / "merged", threads=1, progress=False, engine=engine, parts=3)
    assert merged["parts"] == 3 and merged["counters"]["parts"] == 3
    assert merged["lucene"] == one["lucene"] and one["lucene"]["documents"] == 100
    runs = []
    for index in ("one", "merged"):
        with open_impact_searcher(tmp_path / index, engine) as searcher:
            runs.append(searcher.batch_search([v for _, v in queries], [q for q, _ in queries], k=100))
    assert runs[0] == runs[1]
    assert sum(len(hits) for hits in runs[0].values()) > 35 * 20


def test_more_parts_than_shards_is_a_clear_error(slice_vectors, tmp_path):
    from lsr_lucene.errors import ConfigError
    from lsr_lucene.indexing.impact import index_impact

    with pytest.raises(ConfigError, match="6 parts need at least 6 vector shards, found 5"):
        index_impact(slice_vectors[0] / "vectors", tmp_path / "x", progress=False, parts=6)
    assert not (tmp_path / "x").exists()


def test_merge_indexes_command_joins_indexes_of_two_corpus_halves(slice_vectors, tmp_path, capsys):
    import json

    from lsr_lucene.cli.main import main
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.io.shards import ShardedJsonlWriter
    from lsr_lucene.io.vectors import DOCS_KIND
    from lsr_lucene.io.vectors import read_vectors

    root = slice_vectors[0]
    config = json.loads((root / "vectors" / "manifest.json").read_text())["config"]
    docs = list(read_vectors(root / "vectors", DOCS_KIND))
    for name, half in (("a", docs[:40]), ("b", docs[40:])):
        writer = ShardedJsonlWriter(tmp_path / f"v{name}", DOCS_KIND, config)
        for doc_id, vector in half:
            writer.write({"id": doc_id, "contents": "", "vector": vector})
        writer.finish()
        index_impact(tmp_path / f"v{name}", tmp_path / f"i{name}", progress=False)
    one = index_impact(root / "vectors", tmp_path / "one", progress=False)
    assert main(["merge-indexes", str(tmp_path / "ia"), str(tmp_path / "ib"), "--index", str(tmp_path / "m")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["parts"] == 2 and out["documents"] == 100
    assert {k: out[k] for k in one["lucene"]} == one["lucene"]
