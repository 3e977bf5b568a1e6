"""`lsr-lucene evaluate` prints a column per requested measure."""

import subprocess
import sys


def evaluate(*args):
    done = subprocess.run([sys.executable, "-m", "lsr_lucene.cli.main", "evaluate", *args], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_printed_columns_follow_the_requested_measures(tmp_path):
    (tmp_path / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\n")
    (tmp_path / "run.trec").write_text("q1 Q0 d1 1 2.0 r\nq1 Q0 d2 2 1.0 r\nq2 Q0 d2 1 1.0 r\n")
    header, _, row = evaluate(str(tmp_path / "run.trec"), "--qrels", str(tmp_path / "qrels.tsv"),
                              "--measures", "P@1", "R@2")
    assert header.split(" | ")[1:3] == ["P@1", "R@2"]
    assert row.split(" | ")[1:3] == ["0.5000", "0.5000"]
    header, _, row = evaluate(str(tmp_path / "run.trec"), "--qrels", str(tmp_path / "qrels.tsv"))
    assert header.split(" | ")[1:5] == ["nDCG@10", "MRR@10", "R@100", "R@1000"]
    assert row.split(" | ")[2] == "0.5000"
