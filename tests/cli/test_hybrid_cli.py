"""``index-dense``, ``search --dense/--hybrid`` and ``fuse`` through the real command line."""

import json

from lsr_lucene.io.trec import read_run

from .test_errors import assert_clean_error, cli


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_help_is_instant_for_the_new_commands():
    for command in ["index-dense", "fuse"]:
        code, out, err = cli(command, "--help")
        assert code == 0 and "usage: lsr-lucene " + command in out
    code, out, _ = cli("search", "--help")
    assert "--hybrid" in out and "--fusion" in out


def test_fuse_run_files_with_weights_and_with_tuning(tmp_path):
    a = write(tmp_path / "a.trec", "q1 Q0 x 1 3.0 a\nq1 Q0 y 2 2.0 a\nq2 Q0 z 1 1.0 a\n")
    b = write(tmp_path / "b.trec", "q1 Q0 y 1 0.9 b\nq1 Q0 w 2 0.1 b\n")
    code, out, err = cli("fuse", str(a), str(b), "--fusion", "minmax", "--weights", "0.3,0.7",
                         "--output", str(tmp_path / "f.trec"))
    assert code == 0, err
    assert json.loads(out)["weights"] == [0.3, 0.7]
    fused = read_run(tmp_path / "f.trec")
    assert [h.doc_id for h in fused["q1"]] == ["y", "x", "w"] and [h.doc_id for h in fused["q2"]] == ["z"]
    qrels = write(tmp_path / "train.tsv", "query-id\tcorpus-id\tscore\nq1\tx\t1\n")
    code, out, err = cli("fuse", str(a), str(b), "--fusion", "rrf", "--output", str(tmp_path / "t.trec"),
                         "--tune-runs", str(a), str(b), "--tune-qrels", str(qrels), "--step", "0.5")
    assert code == 0, err
    report = json.loads(out)
    assert report["weights"] == [1.0, 0.0] and report["tuned"] == {"measure": "nDCG@10", "score": 1.0, "trials": 3}


def test_fuse_errors_name_the_culprit(tmp_path):
    a = write(tmp_path / "a.trec", "q1 Q0 x 1 3.0 a\n")
    out = str(tmp_path / "f.trec")
    assert_clean_error(*cli("fuse", str(a), "--fusion", "rfr", "--output", out)[::2],
                       "unknown fusion method 'rfr'", "rrf")
    assert_clean_error(*cli("fuse", str(a), str(a), "--weights", "1", "--output", out)[::2],
                       "1 fusion weights [1.0] for 2 runs")
    assert_clean_error(*cli("fuse", str(a), "--weights", "1,x", "--output", out)[::2], "--weights '1,x'")
    bad = write(tmp_path / "bad.trec", "q1 Q0 x 1 high a\n")
    assert_clean_error(*cli("fuse", str(bad), "--output", out)[::2], "bad.trec:1", "not a number")
    assert_clean_error(*cli("fuse", str(a), "--tune-runs", str(a), "--output", out)[::2], "--tune-qrels")


def test_index_dense_then_hybrid_search(tmp_path, scifact_sample):
    docs, queries, qrels = scifact_sample
    folder = tmp_path / "sample"
    write(folder / "corpus.jsonl", "".join(json.dumps({"_id": d.id, "title": d.title, "text": d.text}) + "\n"
                                           for d in docs[:30]))
    write(folder / "queries.jsonl", "".join(json.dumps({"_id": q.id, "text": q.text}) + "\n" for q in queries))
    write(folder / "qrels" / "test.tsv", "query-id\tcorpus-id\tscore\n" +
          "".join(f"{q.query_id}\t{q.doc_id}\t{q.relevance}\n" for q in qrels))
    code, out, err = cli("index-dense", "--collection", str(folder), "--index", str(tmp_path / "dense"),
                         "--max-length", "64", "--index-type", "hnsw", "--quiet")
    assert code == 0, err
    assert json.loads(out)["documents"] == 30 and (tmp_path / "dense-vectors" / "manifest.json").is_file()
    code, _, err = cli("index", "--bm25", "--collection", str(folder), "--index", str(tmp_path / "bm25"), "--quiet")
    assert code == 0, err
    code, out, err = cli("search", "--dense", "--index", str(tmp_path / "dense"), "--collection", str(folder),
                         "--hybrid", "bm25", "--bm25-index", str(tmp_path / "bm25"), "--fusion", "zscore",
                         "--weights", "0.5,0.5", "--k", "5", "--output", str(tmp_path / "h.trec"),
                         "--save-runs", str(tmp_path / "runs"))
    assert code == 0, err
    report = json.loads(out)
    assert report["runs"] == ["dense", "bm25"] and report["fusion"] == "zscore"
    assert set(report["seconds_by_step"]) == {"dense", "bm25", "fusion"}
    fused = read_run(tmp_path / "h.trec")
    assert set(fused) == {q.id for q in queries} and all(len(h) == 5 for h in fused.values())
    assert (tmp_path / "runs" / "dense.trec").is_file() and (tmp_path / "runs" / "bm25.trec").is_file()
    from lsr_lucene.search.fusion import FusionConfig, fuse

    saved = [read_run(tmp_path / "runs" / f"{name}.trec") for name in ("dense", "bm25")]
    by_ids = fuse(saved, FusionConfig("zscore", (0.5, 0.5), k=5))  # the string-id path, on the saved runs
    assert {q: [h.doc_id for h in hits] for q, hits in fused.items()} == \
        {q: [h.doc_id for h in hits] for q, hits in by_ids.items()}
    assert_clean_error(*cli("search", "--dense", "--index", str(tmp_path / "dense"), "--collection", str(folder),
                            "--hybrid", "bm25", "--output", str(tmp_path / "x.trec"))[::2], "--bm25-index")
    assert_clean_error(*cli("search", "--dense", "--bm25", "--index", str(tmp_path / "dense"),
                            "--output", str(tmp_path / "x.trec"))[::2], "exactly one of")
