"""The scripts/regressions recipes marked "ci": end-to-end runs on real collections against expected scores."""

import importlib.util
import json

import pytest

from lsr_lucene.collections.resolve import find_local

from .conftest import REPO

RECIPES = sorted((REPO / "scripts" / "regressions").glob("*.json"))
spec = importlib.util.spec_from_file_location("regress", REPO / "scripts" / "regress.py")
regress = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regress)


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.stem for p in RECIPES if json.loads(p.read_text())["ci"]])
def test_regression(name, tmp_path, jvm_started):
    recipe = regress.load(name)
    collection = recipe["args"][recipe["args"].index("--collection") + 1]
    if find_local(collection) is None:  # SciFact is shipped; the others come from ../shared/data
        pytest.skip(f"collection {collection} not present")
    report, problems = regress.run(name, str(tmp_path / name))
    assert not problems, problems
    for run in report["runs"].values():
        if run["kind"] == "sparse":
            for key in ("query_nnz", "doc_nnz", "flops", "index_mb", "encode_docs_per_s", "queries_per_s"):
                assert run["efficiency"][key] > 0, key


def test_compare_flags_a_figure_off_by_more_than_the_tolerance():
    recipe = {"expected": {"bm25": {"nDCG@10": 0.5}}, "tolerance": 0.002}
    assert regress.compare(recipe, {"runs": {"bm25": {"effectiveness": {"nDCG@10": 0.5015}}}}) == []
    assert regress.compare(recipe, {"runs": {"bm25": {"effectiveness": {"nDCG@10": 0.503}}}})
    assert regress.compare(recipe, {"runs": {}})
