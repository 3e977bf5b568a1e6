"""10,000 queries (a collection's queries repeated, as benchmarks/load.py uses them) through the streaming batch
search: memory stays flat."""

from __future__ import annotations

import pytest

from lsr_lucene.evaluation.load import peak_rss_mb, repeated_queries

from .conftest import SLICE

N_QUERIES = 10_000


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, jvm_started, splade_tiny):
    from lsr_lucene.pipeline import PipelineConfig, run_pipeline
    from lsr_lucene.encoding.stages.sparse import EncodeSettings

    out = tmp_path_factory.mktemp("load") / "run"
    run_pipeline(PipelineConfig(collection=str(SLICE), output=str(out), bm25=False,
                                settings=EncodeSettings(progress=False)), say=lambda _: None)
    return out


def search_peak_mb(index, queries, run, heap="256m"):
    """Peak resident memory (MiB) of ``lsr-lucene search`` in a child process with a fixed JVM heap."""
    return peak_rss_mb(["search", "--index", str(index), "--queries", str(queries), "--output", str(run),
                        "--k", "100", "--threads", "2", "--heap", heap])[1]


def test_ten_thousand_queries_hold_steady_memory(small_run, tmp_path):
    from lsr_lucene.io.trec import read_run

    base, index = small_run / "splade-tiny" / "queries-test", small_run / "splade-tiny" / "index"
    small = search_peak_mb(index, repeated_queries(base, 1_000, tmp_path / "q1k"),
                           tmp_path / "1k.trec")
    large = search_peak_mb(index, repeated_queries(base, N_QUERIES, tmp_path / "q10k"),
                           tmp_path / "10k.trec")
    assert len(read_run(tmp_path / "10k.trec")) == N_QUERIES
    assert large - small < 64, f"peak memory {small} MiB for 1,000 queries, {large} MiB for 10,000"
