"""`lsr-lucene verify`: passes on a sound index, and catches a vectors/index disagreement."""

import json

import pytest


@pytest.fixture()
def built(tmp_path, jvm_started):
    from lsr_lucene.indexing.impact import index_impact

    vectors = tmp_path / "vectors"
    vectors.mkdir()
    with open(vectors / "part.jsonl", "w") as out:
        for i in range(40):
            out.write(json.dumps({"id": f"d{i}", "contents": "", "vector": {f"t{j}": i + j + 1 for j in range(i % 7 + 1)}})
                      + "\n")
    index_impact(vectors, tmp_path / "index", threads=1, progress=False)
    return tmp_path


def test_sound_index_verifies(built):
    from lsr_lucene.indexing.verify import verify_index

    report = verify_index(built / "index", sample=40)
    assert report.ok and report.documents == 40 and report.sampled == 40
    assert report.postings == report.expected_postings == sum(i % 7 + 1 for i in range(40))


def test_changed_vectors_are_caught(built, tmp_path):
    from lsr_lucene.indexing.verify import verify_index

    other = tmp_path / "other"
    other.mkdir()
    lines = (built / "vectors" / "part.jsonl").read_text().splitlines()
    record = json.loads(lines[5])
    record["vector"]["t0"] += 1
    lines[5] = json.dumps(record)
    lines.append(json.dumps({"id": "new", "contents": "", "vector": {"t1": 1}}))
    (other / "part.jsonl").write_text("\n".join(lines) + "\n")
    report = verify_index(built / "index", other, sample=41)
    assert not report.ok
    assert report.missing_ids == ["new"] and report.expected_documents == 41
    assert any(m.startswith("d5: term 't0'") for m in report.mismatches)


def test_cli_exit_status(built):
    from lsr_lucene.cli.main import main

    assert main(["verify", str(built / "index")]) == 0
