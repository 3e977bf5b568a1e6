"""Held-out queries for tuning: another judged split, or ArguAna's validation debates; never a reported query."""

from __future__ import annotations

import shutil

from lsr_lucene.collections import load_collection
from lsr_lucene.collections.heldout import heldout_queries

from ..conftest import SLICE, shared


def with_splits(tmp_path, splits):
    """The SciFact slice with extra qrels splits, each {name: query ids} taken from its test qrels."""
    folder = tmp_path / "slice"
    shutil.copytree(SLICE, folder)
    lines = (SLICE / "qrels" / "test.tsv").read_text().splitlines()
    for name, qids in splits.items():
        rows = [row for row in lines[1:] if row.split("\t")[0] in qids]
        (folder / "qrels" / f"{name}.tsv").write_text("\n".join([lines[0], *rows]) + "\n")
    return load_collection(str(folder))


def test_a_collection_with_only_the_reported_split_has_none():
    assert heldout_queries(load_collection(str(SLICE)), "test") is None


def test_dev_comes_before_train(tmp_path):
    collection = with_splits(tmp_path, {"train": {"1", "3"}, "dev": {"5", "13"}})
    heldout = heldout_queries(collection, "train")
    assert heldout is not None and heldout.source == "the dev qrels"
    assert {q.id for q in heldout.queries} == {r.query_id for r in heldout.qrels} == {"5", "13"}


def test_queries_the_reported_split_also_judges_are_dropped(tmp_path):
    collection = with_splits(tmp_path, {"train": {"1", "3", "5"}, "dev": {"5", "13"}})
    heldout = heldout_queries(collection, "dev")  # held out: train, less 5, which dev reports
    assert heldout is not None and heldout.source == "the train qrels"
    assert {q.id for q in heldout.queries} == {r.query_id for r in heldout.qrels} == {"1", "3"}


def test_arguana_holds_out_its_validation_debates():
    collection = load_collection(str(shared("arguana")))
    heldout = heldout_queries(collection, "test")
    assert heldout is not None and "validation debates" in heldout.source
    assert all(q.id.startswith("validation-") for q in heldout.queries)
    assert len(heldout.queries) == len({r.query_id for r in heldout.qrels}) > 100
