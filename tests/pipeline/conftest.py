"""One real `lsr-lucene run` with SLIM and both hybrid systems, shared by the pipeline and report tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.test_errors import cli
from tests.conftest import SLICE


def split_slice(folder: Path) -> Path:
    """The SciFact slice with its judged queries split in two: every other query id goes to a ``train`` split."""
    shutil.copytree(SLICE, folder)
    lines = (SLICE / "qrels" / "test.tsv").read_text().splitlines()
    header, rows = lines[0], lines[1:]
    qids = sorted({row.split("\t")[0] for row in rows}, key=int)
    train = set(qids[1::2])
    for split, keep in (("test", lambda q: q not in train), ("train", lambda q: q in train)):
        kept = [row for row in rows if keep(row.split("\t")[0])]
        (folder / "qrels" / f"{split}.tsv").write_text("\n".join([header, *kept]) + "\n")
    return folder


@pytest.fixture(scope="package")
def comparison(tmp_path_factory):
    """One `run` with SLIM and both hybrid systems on the split slice: (output folder, report, collection folder)."""
    root = tmp_path_factory.mktemp("run")
    collection = split_slice(root / "slice")
    out = root / "out"
    code, _, err = cli("run", "--collection", str(collection), "--output", str(out), "--refine", "slim",
                       "--hybrid", "dense,bm25", "--max-length", "256", "--quiet")
    assert code == 0, err[-3000:]
    return out, json.loads((out / "report.json").read_text()), collection
