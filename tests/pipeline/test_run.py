"""`lsr-lucene run --refine slim --hybrid dense,bm25` on a real (small) collection: every run, the fusions tuned on
held-out queries only, the report, and a rerun that reuses what is finished."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_errors import cli
from tests.conftest import SLICE

ALL_RUNS = {"bm25", "splade-tiny", "splade-tiny+slim", "dense", "splade-tiny+dense", "splade-tiny+bm25",
            "splade-tiny+dense+bm25", "bm25+dense"}


def test_every_run_and_fusion_is_written_and_reported(comparison):
    out, report, _ = comparison
    assert set(report["runs"]) == ALL_RUNS
    for name, run in report["runs"].items():
        assert Path(run["run_file"]).is_file() and (out / "runs" / "heldout" / f"{name}.trec").is_file()
        assert 0 < run["effectiveness"]["nDCG@10"] <= 1, name
        assert run["efficiency"]["ms_per_query"] > 0, name
        assert len(run["per_query_ndcg10"]) == report["queries"]
    assert report["heldout"] == {"source": "the train qrels", "queries": 27}
    assert report["runs"]["splade-tiny"]["efficiency"]["flops"] > 0
    assert sum(report["doc_nnz_histograms"]["splade-tiny"]["counts"]) == 100
    markdown = (out / "report.md").read_text()
    assert "| splade-tiny + SLIM |" in markdown and "tuned on the held-out queries" in markdown


def test_fusions_are_tuned_on_the_heldout_queries_only(comparison):
    from lsr_lucene.collections import load_collection
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.io.trec import read_run
    from lsr_lucene.pipeline.fusions import GRID_STEP, METHODS
    from lsr_lucene.search.fusion import FusionConfig, fuse
    from lsr_lucene.search.tuning import tune_weights, weight_grid

    out, report, collection = comparison
    train_queries, train_qrels = judged_queries(load_collection(str(collection)), "train")
    test_ids = set(report["runs"]["bm25"]["per_query_ndcg10"])
    assert not test_ids & {q.id for q in train_queries}
    for name in ("splade-tiny+dense", "splade-tiny+dense+bm25", "bm25+dense"):
        settings = report["runs"][name]["settings"]
        heldout = [read_run(out / "runs" / "heldout" / f"{system}.trec") for system in settings["inputs"]]
        assert set(heldout[0]) <= {q.id for q in train_queries}
        tuned = [tune_weights(heldout, train_qrels, FusionConfig(m), weight_grid(len(heldout), GRID_STEP))
                 for m in METHODS]
        best = max(range(len(tuned)), key=lambda i: (round(tuned[i].score, 10), -i))
        assert (settings["method"], settings["weights"]) == (METHODS[best], list(tuned[best].config.weights))
        test_runs = [read_run(out / "runs" / "test" / f"{system}.trec") for system in settings["inputs"]]
        fused = fuse(test_runs, tuned[best].config)
        written = read_run(out / "runs" / "test" / f"{name}.trec")
        assert {q: [h.doc_id for h in hits] for q, hits in written.items()} == \
               {q: [h.doc_id for h in hits] for q, hits in fused.items()}


def test_slim_reorders_the_first_stage_candidates_with_a_heldout_alpha(comparison):
    from lsr_lucene.io.trec import read_run
    from lsr_lucene.pipeline.stages import SLIM_ALPHAS

    out, report, _ = comparison
    settings = report["runs"]["splade-tiny+slim"]["settings"]
    assert settings["alpha"] in SLIM_ALPHAS and settings["alpha_source"] == "chosen on the held-out queries"
    first, refined = (read_run(out / "runs" / "test" / f"{n}.trec") for n in ("splade-tiny", "splade-tiny+slim"))
    for qid, hits in refined.items():
        assert {h.doc_id for h in hits} == {h.doc_id for h in first[qid][:settings["candidates"]]}


def test_a_rerun_reuses_every_finished_stage(comparison):
    out, report, collection = comparison
    stages = [out / "splade-tiny" / "vectors", out / "splade-tiny" / "index", out / "bm25" / "index",
              out / "dense" / "vectors", out / "dense" / "index"]
    before = {path: (path / "manifest.json").stat().st_mtime_ns for path in stages}
    code, _, err = cli("run", "--collection", str(collection), "--output", str(out), "--refine", "slim",
                       "--hybrid", "dense,bm25", "--max-length", "256", "--quiet")
    assert code == 0, err[-3000:]
    assert {path: (path / "manifest.json").stat().st_mtime_ns for path in stages} == before
    again = json.loads((out / "report.json").read_text())
    assert {n: r["effectiveness"] for n, r in again["runs"].items()} == \
           {n: r["effectiveness"] for n, r in report["runs"].items()}


def test_without_heldout_queries_fusion_is_rrf_with_equal_weights(tmp_path):
    code, _, err = cli("run", "--collection", str(SLICE), "--output", str(tmp_path / "out"), "--hybrid", "bm25",
                       "--max-length", "256", "--quiet")
    assert code == 0, err[-3000:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["heldout"] is None
    assert set(report["runs"]) == {"bm25", "splade-tiny", "splade-tiny+bm25"}
    settings = report["runs"]["splade-tiny+bm25"]["settings"]
    assert (settings["method"], settings["weights"]) == ("rrf", [1.0, 1.0])
    assert settings["source"] == "fixed default (no held-out queries)"


def test_unknown_hybrid_system_is_one_clear_line(tmp_path):
    from tests.cli.test_errors import assert_clean_error

    code, _, err = cli("run", "--collection", str(SLICE), "--output", str(tmp_path), "--hybrid", "dense,colbert")
    assert_clean_error(code, err, "--hybrid", "'colbert'")


def test_slim_refuses_an_inference_free_model_before_any_work(tmp_path):
    import torch

    from lsr_lucene.training.models import build_model
    from tests.cli.test_errors import assert_clean_error

    build_model("inference_free", "splade-tiny", tmp_path, idf=torch.rand(30522) * 5).save(str(tmp_path / "model"))
    code, _, err = cli("run", "--collection", str(SLICE), "--output", str(tmp_path / "out"), "--refine", "slim",
                       "--model", str(tmp_path / "model"))
    assert_clean_error(code, err, "--refine slim", "inference-free")
    assert not (tmp_path / "out").exists()
