"""Bad input through the real command line: one clear line naming the culprit, no stack trace, non-zero exit."""

import json
import subprocess
import sys


def cli(*args, cwd=None):
    done = subprocess.run([sys.executable, "-m", "lsr_lucene.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)
    return done.returncode, done.stdout, done.stderr


def assert_clean_error(code, err, *fragments):
    assert code != 0
    assert "Traceback" not in err and "at java." not in err
    last = err.strip().splitlines()[-1]
    for fragment in fragments:
        assert fragment in last, last


def corpus(tmp_path, lines):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_help_for_every_command_needs_no_java():
    for command in ["setup", "encode", "index", "search", "evaluate", "run", "train"]:
        code, out, err = cli(command, "--help")
        assert code == 0 and "usage: lsr-lucene " + command in out


def test_missing_file(tmp_path):
    code, _, err = cli("encode", "--collection", str(tmp_path / "none.jsonl"), "--output", str(tmp_path / "o"))
    assert_clean_error(code, err, "none.jsonl", "no such file")
    code, _, err = cli("evaluate", str(tmp_path / "missing.trec"), "--qrels", str(tmp_path / "q.tsv"))
    assert_clean_error(code, err, "q.tsv", "no such file")


def test_malformed_json_line(tmp_path):
    path = corpus(tmp_path, ['{"_id": "a", "text": "fine"}\n', '{"_id": "b", "text": oops}\n'])
    code, _, err = cli("encode", "--collection", str(path), "--output", str(tmp_path / "o"), "--quiet")
    assert_clean_error(code, err, "docs.jsonl:2", "malformed JSON")


def test_empty_document(tmp_path):
    path = corpus(tmp_path, ['{"_id": "a", "text": "fine"}\n', '{"_id": "b", "title": "", "text": "  "}\n'])
    code, _, err = cli("encode", "--collection", str(path), "--output", str(tmp_path / "o"), "--quiet")
    assert_clean_error(code, err, "docs.jsonl:2", "'b'", "empty")


def test_unknown_model_and_collection(tmp_path):
    path = corpus(tmp_path, ['{"_id": "a", "text": "fine"}\n'])
    code, _, err = cli("encode", "--collection", str(path), "--model", "splade-tiyn", "--output", str(tmp_path / "o"))
    assert_clean_error(code, err, "unknown model 'splade-tiyn'", "splade-tiny")
    code, _, err = cli("run", "--collection", "scifakt")
    assert_clean_error(code, err, "unknown collection 'scifakt'", "scifact")


def test_skip_policy_reports_and_keeps_valid_documents(tmp_path, splade_tiny):
    path = corpus(tmp_path, ['{"_id": "a", "text": "protein folding"}\n', '{"_id": "b", "text": ""}\n',
                             '{"_id": "c", "text": "gene expression"}\n'])
    out = tmp_path / "o"
    code, stdout, err = cli("encode", "--collection", str(path), "--output", str(out), "--quiet",
                            "--on-bad-input", "skip")
    assert code == 0, err
    assert json.loads(stdout)["records"] == 2 and json.loads(stdout)["skipped"] == 1
    skipped = json.loads((out / "skipped.json").read_text())["skipped"]
    assert [(s["id"], s["line"]) for s in skipped] == [("b", 2)]


def test_bad_vector_record_at_index_time(tmp_path):
    """The plugin indexer names the shard, line and id of a float impact (Anserini would truncate it)."""
    from lsr_lucene.encoding.stages.sparse import DOCS_KIND
    from lsr_lucene.io.shards import ShardedJsonlWriter

    writer = ShardedJsonlWriter(tmp_path / "v", DOCS_KIND, {"test": True})
    writer.write({"id": "d0", "contents": "", "vector": {"a": 2}})
    writer.write({"id": "d1", "contents": "", "vector": {"a": 2.5}})
    writer.finish()
    code, _, err = cli("index", "--vectors", str(tmp_path / "v"), "--index", str(tmp_path / "i"), "--quiet")
    assert_clean_error(code, err, "part-00000.jsonl:2", "(id 'd1')", "impacts must be integers")
    assert not (tmp_path / "i").exists()


def test_train_with_a_bad_config_names_the_key(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('name = "x"\n[optim]\nsteps = 2\nlearning_rate = 1\n')
    code, _, err = cli("train", str(config))
    assert_clean_error(code, err, "optim.learning_rate", "unknown key")
    code, _, err = cli("train", str(tmp_path / "none.toml"))
    assert_clean_error(code, err, "none.toml", "no such config file")
    config.write_text('name = "x"\n[[data.sources]]\ncollection = "scifact"\nqrels = "qrels/test.tsv"\n')
    code, _, err = cli("train", str(config), "--output", str(tmp_path / "out"))
    assert_clean_error(code, err, "refusing to train on test qrels")


def test_empty_collection_is_a_clear_error_at_every_step(tmp_path):
    empty = corpus(tmp_path, [])
    code, _, err = cli("encode", "--collection", str(empty), "--output", str(tmp_path / "vectors"), "--quiet")
    assert_clean_error(code, err, "docs.jsonl", "holds no documents")
    code, _, err = cli("index", "--vectors", str(tmp_path / "vectors"), "--index", str(tmp_path / "index"), "--quiet")
    assert_clean_error(code, err, "vectors", "holds no vectors")
    code, _, err = cli("index", "--bm25", "--collection", str(empty), "--index", str(tmp_path / "bm25"), "--quiet")
    assert_clean_error(code, err, "docs.jsonl", "holds no documents")
    assert not (tmp_path / "index").exists() and not (tmp_path / "bm25").exists()
