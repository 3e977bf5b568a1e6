"""10,000 queries (a collection's queries repeated, as benchmarks/load.py builds them) through the streaming batch
search: memory stays flat."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks.load import PEAK, queries_folder

from .conftest import shared

N_QUERIES = 10_000


@pytest.fixture(scope="module")
def adi(tmp_path_factory, jvm_started, splade_tiny):
    from lsr_lucene.pipeline import PipelineConfig, run_pipeline
    from lsr_lucene.encoding.stages.sparse import EncodeSettings

    shared("adi")
    out = tmp_path_factory.mktemp("load") / "adi"
    run_pipeline(PipelineConfig(collection="adi", output=str(out), bm25=False,
                                settings=EncodeSettings(progress=False)), say=lambda _: None)
    return out


def peak_rss_mb(index, queries, run, heap="256m"):
    """Peak resident memory (MiB) of ``lsr-lucene search`` in a child process with a fixed JVM heap."""
    done = subprocess.run([sys.executable, "-c", PEAK, "search", "--index", str(index), "--queries", str(queries),
                           "--output", str(run), "--k", "100", "--threads", "2", "--heap", heap],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split("PEAK")[-1])


def test_ten_thousand_queries_hold_steady_memory(adi, tmp_path):
    from lsr_lucene.io.trec import read_run

    base = adi / "query-vectors"
    small = peak_rss_mb(adi / "index-impact", queries_folder(base, 1_000, tmp_path / "q1k"), tmp_path / "1k.trec")
    large = peak_rss_mb(adi / "index-impact", queries_folder(base, N_QUERIES, tmp_path / "q10k"),
                        tmp_path / "10k.trec")
    assert len(read_run(tmp_path / "10k.trec")) == N_QUERIES
    assert large - small < 64, f"peak memory {small} MiB for 1,000 queries, {large} MiB for 10,000"
