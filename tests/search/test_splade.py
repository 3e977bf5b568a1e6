"""The text-query searcher on every kind of impact index the tool writes: SPLADE, token-level, plain vector folders
and inference-free; each must give the run of the same queries encoded by `encode --queries`."""

import json
import shutil

import pytest


@pytest.fixture(scope="module")
def sample(scifact_sample):
    docs, queries, _ = scifact_sample
    return docs[:150], queries[:20]


def pre_encoded_run(index, queries_dir, k=20):
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.search.impact import open_impact_searcher

    vectors = list(read_vectors(queries_dir))
    with open_impact_searcher(index) as searcher:
        return searcher.batch_search([v for _, v in vectors], [q for q, _ in vectors], k)


def text_run(searcher, queries, k=20):
    return searcher.batch_search([q.text for q in queries], [q.id for q in queries], k)


def test_token_level_index(tmp_path, sample, jvm_started):
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_queries
    from lsr_lucene.encoding.stages.tokens import encode_documents_token_level
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.splade import ImpactSearcher

    docs, queries = sample
    config, settings = EncodeConfig(max_length=128), EncodeSettings(progress=False)
    encode_documents_token_level(iter(docs), tmp_path / "vectors", config, settings)
    index_impact(tmp_path / "vectors", tmp_path / "index", threads=1, progress=False)
    encode_queries(queries, tmp_path / "q", config, settings)
    with ImpactSearcher(tmp_path / "index") as searcher:  # once a TypeError: the manifest's token_level key
        assert text_run(searcher, queries) == pre_encoded_run(tmp_path / "index", tmp_path / "q")


def test_plain_vector_folder_index_needs_and_takes_the_model(tmp_path, sample, jvm_started):
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents, encode_queries
    from lsr_lucene.errors import ConfigError
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.query_encoder import QueryImpactEncoder
    from lsr_lucene.search.splade import ImpactSearcher

    docs, queries = sample
    config, settings = EncodeConfig(max_length=128), EncodeSettings(progress=False)
    encode_documents(iter(docs), tmp_path / "encoded", config, settings)
    shutil.copytree(tmp_path / "encoded" / "shards", tmp_path / "plain")  # JSONL only, no manifest
    index_impact(tmp_path / "plain", tmp_path / "index", threads=1, progress=False)
    encode_queries(queries, tmp_path / "q", config, settings)
    with ImpactSearcher(tmp_path / "index") as searcher:  # once a KeyError ('quantization')
        with pytest.raises(ConfigError, match="does not record which model encoded its vectors"):
            searcher.search(queries[0].text)
    with ImpactSearcher(tmp_path / "index", QueryImpactEncoder("splade-tiny", max_length=128)) as searcher:
        assert text_run(searcher, queries) == pre_encoded_run(tmp_path / "index", tmp_path / "q")


def test_inference_free_index_encodes_queries_with_its_idf_table(tmp_path, sample, jvm_started):
    import torch

    from lsr_lucene.encoding.encoders.inference_free import InferenceFreeEncoder
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_documents, encode_queries
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.search.splade import ImpactSearcher
    from lsr_lucene.training.models import build_model

    docs, queries = sample
    model = build_model("inference_free", "splade-tiny", tmp_path, idf=torch.rand(30522) * 5)
    model.save(str(tmp_path / "model"))
    config, settings = EncodeConfig(model=str(tmp_path / "model"), max_length=128), EncodeSettings(progress=False)
    encode_documents(iter(docs), tmp_path / "vectors", config, settings)
    index_impact(tmp_path / "vectors", tmp_path / "index", threads=1, progress=False)
    encode_queries(queries, tmp_path / "q", config, settings)
    with ImpactSearcher(tmp_path / "index") as searcher:  # once: the document transformer encoded the queries
        assert isinstance(searcher.encoder.encoder, InferenceFreeEncoder)
        assert text_run(searcher, queries) == pre_encoded_run(tmp_path / "index", tmp_path / "q")
    manifest = json.loads((tmp_path / "q" / "manifest.json").read_text())
    assert manifest["kind"] == "lsr-lucene/query-vectors"
