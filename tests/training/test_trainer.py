"""A real (tiny) training run: the SciFact slice's titles as synthetic queries, BM25 negatives from a real Lucene index, SPLADE-tiny
as the document encoder; then an interrupted run resumed to the same losses, and the checkpoint in the pipeline's
encoder."""

import json

import pytest

from lsr_lucene.training.config import config_from_dict
from lsr_lucene.training.trainer import train
from tests.conftest import SLICE


def tiny_config(tmp_path, name, **extra):
    data = {
        "name": name, "output": str(tmp_path / name), "seed": 5, "checkpoint_steps": 2, "keep_checkpoints": 1,
        "threads": 2,
        "model": {"kind": "inference_free", "backbone": "splade-tiny", "activation": "l0", "max_doc_length": 48,
                  "query_weights": "learned"},
        "data": {"sources": [{"collection": str(SLICE), "synthetic": "title"}], "dev_fraction": 0.2,
                 "dev_max_queries": 6, "dev_depth": 5, "negatives": 1, "depth": 10,
                 "teachers": [{"name": "bm25"}], "cache_dir": str(tmp_path / "cache")},
        "losses": [{"name": "kl_distill"}, {"name": "in_batch", "weight": 0.5}],
        "document_regularizer": {"name": "l0_mask", "weight": 0.01, "warmup_steps": 2, "params": {"threshold": 20}},
        "optim": {"steps": 4, "batch_size": 4, "warmup_steps": 1, "lr": 1e-4},
    }
    data.update(extra)
    return config_from_dict(data)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("train")
    config = tiny_config(tmp, "full")
    return tmp, config, train(config, progress=False, say=lambda s: None)


def test_a_run_writes_model_log_curves_and_summary(finished):
    tmp, config, summary = finished
    out = config.output_dir()
    assert summary["complete"] and summary["steps_done"] == 4
    assert [row["step"] for row in summary["dev"]] == [0, 2, 4]  # the starting model is scored too
    assert summary["selected_step"] == max(summary["dev"], key=lambda row: (row["ndcg@10"], row["step"]))["step"]
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [0, 1, 2, 3]
    assert set(records[-1]["terms"]) == {"loss/kl_distill", "loss/in_batch", "reg/document"}
    assert records[0]["lambda_document"] == 0.0 and records[-1]["lambda_document"] == 0.01
    assert all(r["doc_nnz"] > 0 and r["query_nnz"] > 0 for r in records)
    assert (out / "curves.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "model" / "modules.json").is_file()
    assert len(list((out / "checkpoints").glob("step-*"))) <= 2  # keep 1, plus the best
    dev = summary["selected_dev"]
    assert 0 < dev["ndcg@10"] <= 1 and dev["doc_nnz"] > 0
    assert summary["timings"]["train"]["cpu_s"] > 0


def test_an_interrupted_run_resumes_to_the_same_losses(finished, tmp_path):
    _, _, _ = finished
    full = [json.loads(line) for line in (finished[1].output_dir() / "log.jsonl").read_text().splitlines()]
    first = train(tiny_config(tmp_path, "full", max_minutes=0.0), progress=False, say=lambda s: None)
    assert not first["complete"] and first["steps_done"] == 1
    assert (tmp_path / "full" / "model" / "modules.json").is_file()  # the best so far, usable before resuming
    second = train(tiny_config(tmp_path, "full"), progress=False, say=lambda s: None)
    assert second["complete"] and second["steps_done"] == 4
    resumed = [json.loads(line) for line in (tmp_path / "full" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in resumed] == [0, 1, 2, 3]
    for a, b in zip(full, resumed):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-3, abs=1e-5)


def test_a_changed_config_is_refused_in_the_same_folder(finished):
    from lsr_lucene.errors import ManifestError

    tmp, config, _ = finished
    changed = tiny_config(tmp, "full", seed=6)
    with pytest.raises(ManifestError, match="another config"):
        train(changed, progress=False, say=lambda s: None)


def test_the_trained_model_encodes_through_the_pipeline(finished, tmp_path):
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings, encode_queries
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.types import Query

    _, config, summary = finished
    out = tmp_path / "qvecs"
    encode_queries([Query("1", "information retrieval systems")], out,
                   EncodeConfig(model=summary["model"]), EncodeSettings(progress=False))
    (qid, vector), = read_vectors(out)
    assert qid == "1" and set(vector) >= {"information", "retrieval"} and all(v >= 1 for v in vector.values())
