"""Fusion edge cases: disjoint runs, ties, a side with zero or one hit, identical scores, weights, bad configs."""

import math

import pytest

from lsr_lucene.errors import ConfigError, UnknownNameError
from lsr_lucene.search.fusion import FUSION_METHODS, FusionConfig, fuse, fuse_hits
from lsr_lucene.types import DocTable, Hit, RunColumns

METHODS = ["rrf", "minmax", "zscore", "raw"]


def hits(*pairs):
    return [Hit(d, float(s)) for d, s in pairs]


def ids(fused):
    return [h.doc_id for h in fused]


def test_methods_are_registered_by_name_with_aliases():
    assert FUSION_METHODS.names() == sorted(METHODS)
    assert FUSION_METHODS.canonical("none") == "raw" and FUSION_METHODS.canonical("min-max") == "minmax"
    with pytest.raises(UnknownNameError, match="unknown fusion method 'rfr'; known: minmax, raw, rrf, zscore"):
        FusionConfig("rfr")


def test_rrf_scores_are_weighted_reciprocal_ranks():
    a = hits(("x", 9), ("y", 5), ("z", 1))
    b = hits(("y", 0.9), ("w", 0.1))
    fused = fuse_hits([a, b], FusionConfig("rrf", (1.0, 2.0), rrf_k=10))
    expected = {"x": 1 / 11, "y": 1 / 12 + 2 / 11, "z": 1 / 13, "w": 2 / 12}
    assert ids(fused) == sorted(expected, key=lambda d: -expected[d])
    assert {h.doc_id: h.score for h in fused} == pytest.approx(expected)


def test_minmax_interpolation_puts_missing_documents_at_the_run_minimum():
    a = hits(("x", 10), ("y", 6), ("z", 2))  # x=1, y=0.5, z=0
    b = hits(("y", 3), ("w", 1))  # y=1, w=0
    fused = {h.doc_id: h.score for h in fuse_hits([a, b], FusionConfig("minmax", (0.3, 0.7)))}
    assert fused == pytest.approx({"x": 0.3, "y": 0.3 * 0.5 + 0.7, "z": 0.0, "w": 0.0})


def test_zscore_interpolation():
    a = hits(("x", 3), ("y", 2), ("z", 1))
    std = math.sqrt(2 / 3)
    fused = {h.doc_id: h.score for h in fuse_hits([a], FusionConfig("zscore"))}
    assert fused == pytest.approx({"x": 1 / std, "y": 0.0, "z": -1 / std})
    b = hits(("w", 5), ("x", 1))  # w=+1, x=-1, floor -1
    fused = {h.doc_id: h.score for h in fuse_hits([a, b], FusionConfig("zscore"))}
    assert fused["x"] == pytest.approx(1 / std - 1) and fused["w"] == pytest.approx(-1 / std + 1)


@pytest.mark.parametrize("method", METHODS)
def test_disjoint_runs_keep_every_document_once(method):
    a = hits(("a1", 3), ("a2", 2), ("a3", 1))
    b = hits(("b1", 30), ("b2", 20))
    fused = fuse_hits([a, b], FusionConfig(method))
    assert sorted(ids(fused)) == ["a1", "a2", "a3", "b1", "b2"]
    assert [h.score for h in fused] == sorted((h.score for h in fused), reverse=True)
    if method in ("rrf", "minmax"):  # the two top hits tie; the first run's comes first
        assert ids(fused)[:2] == ["a1", "b1"]
        assert ids(fuse_hits([b, a], FusionConfig(method)))[:2] == ["b1", "a1"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("empty", [0, 1])
def test_a_side_with_no_hits_leaves_the_other_ranking(method, empty):
    other = hits(("x", 3.5), ("y", 2.0), ("z", -1.0))
    sides = [[], other] if empty == 0 else [other, []]
    assert ids(fuse_hits(sides, FusionConfig(method))) == ["x", "y", "z"]
    assert fuse_hits([[], []], FusionConfig(method)) == []


@pytest.mark.parametrize("method", METHODS)
def test_a_side_with_one_hit_does_not_divide_by_zero(method):
    one = hits(("y", 0.42))
    other = hits(("x", 3), ("y", 2), ("z", 1))
    fused = fuse_hits([one, other], FusionConfig(method))
    assert all(math.isfinite(h.score) for h in fused)
    assert sorted(ids(fused)) == ["x", "y", "z"]
    if method in ("rrf", "minmax"):
        assert ids(fused)[0] == "y"  # the single hit is the top of its run, and y is second in the other
    alone = fuse_hits([one], FusionConfig(method))
    assert ids(alone) == ["y"] and math.isfinite(alone[0].score)


@pytest.mark.parametrize("method", METHODS)
def test_identical_scores_tie_and_keep_their_order(method):
    flat = hits(("c", 1.5), ("a", 1.5), ("b", 1.5))
    fused = fuse_hits([flat], FusionConfig(method))
    assert ids(fused) == ["c", "a", "b"]
    assert len({h.score for h in fused}) == 1 and all(math.isfinite(h.score) for h in fused)
    # with a second run, only that run decides between the tied documents
    fused = fuse_hits([flat, hits(("b", 2), ("c", 1))], FusionConfig(method))
    assert ids(fused)[0] == "b" and sorted(ids(fused)) == ["a", "b", "c"]


def test_rrf_gives_tied_scores_one_rank_whatever_their_order():
    first = fuse_hits([hits(("a", 5), ("b", 5), ("c", 1))], FusionConfig("rrf", rrf_k=0))
    second = fuse_hits([hits(("b", 5), ("a", 5), ("c", 1))], FusionConfig("rrf", rrf_k=0))
    assert {h.doc_id: h.score for h in first} == {h.doc_id: h.score for h in second}
    assert {h.doc_id: h.score for h in first} == pytest.approx({"a": 1.0, "b": 1.0, "c": 1 / 3})
    assert ids(first) == ["a", "b", "c"] and ids(second) == ["b", "a", "c"]


def test_scores_do_not_depend_on_run_order_when_weights_follow():
    a = hits(("x", 9), ("y", 5), ("z", 1))
    b = hits(("y", 0.9), ("w", 0.1), ("x", 0.05))
    for method in METHODS:
        ab = fuse_hits([a, b], FusionConfig(method, (0.25, 0.75)))
        ba = fuse_hits([b, a], FusionConfig(method, (0.75, 0.25)))
        assert ids(ab) == ids(ba)
        assert [h.score for h in ab] == pytest.approx([h.score for h in ba])


def test_unsorted_input_and_duplicates_count_once_at_the_best_position():
    messy = hits(("z", 1), ("x", 3), ("y", 2), ("x", 0.5))
    assert fuse_hits([messy], FusionConfig("rrf", rrf_k=0)) == hits(("x", 1.0), ("y", 0.5), ("z", 1 / 3))


def test_weight_zero_ignores_a_run_and_k_depth_cut():
    a = hits(("x", 3), ("y", 2), ("z", 1))
    b = hits(("w", 10))
    assert ids(fuse_hits([a, b], FusionConfig("minmax", (1.0, 0.0)))) == ["x", "y", "z"]
    assert ids(fuse_hits([a, b], FusionConfig("rrf", k=2))) == ["x", "w"]  # tied: the first run first
    assert ids(fuse_hits([a, b], FusionConfig("rrf", depth=1))) == ["x", "w"]


def test_fuse_runs_keeps_every_query_and_their_order():
    run_a = {"q2": hits(("x", 1)), "q1": hits(("y", 1))}
    run_b = {"q3": hits(("z", 1)), "q1": []}
    fused = fuse([run_a, run_b], FusionConfig("minmax"))
    assert list(fused) == ["q2", "q1", "q3"]
    assert ids(fused["q3"]) == ["z"] and ids(fused["q1"]) == ["y"]


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": (1.0, -1.0)}, "finite and >= 0"),
    ({"weights": (0.0, 0.0)}, "all 0"),
    ({"weights": (1.0, float("nan"))}, "finite"),
    ({"k": 0}, "k must be >= 1"),
    ({"depth": 0}, "depth must be >= 1"),
    ({"rrf_k": -1.0}, "rrf_k"),
])
def test_bad_configs_name_the_setting(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        FusionConfig("rrf", **kwargs)


def test_weight_count_must_match_run_count():
    with pytest.raises(ConfigError, match="2 fusion weights .* for 3 runs"):
        fuse([{}, {}, {}], FusionConfig("rrf", (0.5, 0.5)))
    with pytest.raises(ConfigError, match="at least one run"):
        fuse([], FusionConfig("rrf"))


@pytest.mark.parametrize("method", METHODS)
def test_whole_runs_fuse_as_each_query_alone(method):
    """Thousands of queries fuse as each query does on its own."""
    import random

    rng = random.Random(7)
    docs = [f"d{i}" for i in range(40)]

    def run(scale):
        return {f"q{q}": sorted((Hit(d, round(rng.random() * scale, 2)) for d in rng.sample(docs, rng.randint(0, 12))),
                                key=lambda h: -h.score) for q in range(2500)}

    runs = [run(1.0), run(30.0)]
    config = FusionConfig(method, (0.4, 0.6), k=8)
    fused = fuse(runs, config)
    assert list(fused) == [f"q{q}" for q in range(2500)]
    for qid in ("q0", "q1023", "q1024", "q2047", "q2499"):
        assert fused[qid] == fuse_hits([runs[0][qid], runs[1][qid]], config)


def columns(run, table):
    """``run`` as columns numbered in ``table`` (as a searcher over an index with that numbering returns them)."""
    import numpy as np

    qids = list(run)
    flat = [hit for qid in qids for hit in run[qid]]
    return RunColumns(qids, np.array([len(run[qid]) for qid in qids], dtype=np.int64),
                      np.array([table.position[h.doc_id] for h in flat], dtype=np.int64),
                      np.array([h.score for h in flat]), table)


@pytest.mark.parametrize("method", METHODS)
def test_runs_numbered_by_different_indexes_fuse_as_their_ids(method):
    """Columns numbered by two tables (two indexes of one corpus in different orders, the second holding documents
    the first lacks) fuse exactly as the same runs with string ids; so does a mix of columns and a Run."""
    import random

    rng = random.Random(11)
    docs = [f"d{i}" for i in range(60)]
    first = DocTable(rng.sample(docs[:50], 50))
    second = DocTable(rng.sample(docs, 60))

    def run(pool):
        return {f"q{q}": sorted((Hit(d, float(rng.randint(0, 6))) for d in rng.sample(pool, rng.randint(0, 15))),
                                key=lambda h: -h.score) for q in range(300)}

    runs = [run(docs[:50]), run(docs), run(docs)]
    config = FusionConfig(method, (0.5, 0.3, 0.2), k=10)
    expected = fuse(runs, config)
    assert fuse([columns(runs[0], first), columns(runs[1], second), runs[2]], config) == expected
    assert fuse([columns(runs[0], first), columns(runs[1], second),
                 columns(runs[2], second)], config) == expected
    assert second.translation(first).tolist() == [second.position[d] for d in first.ids]


@pytest.mark.parametrize("with_ties", [False, True])
def test_top_per_query_is_a_stable_sort_by_score(with_ties):
    """The compiled radix top-k against Python's stable sort: many ties, negative scores, -0.0 and 0.0, scores that
    differ in one bit of any byte, empty queries and queries shorter than k."""
    import numpy as np

    from lsr_lucene.search.fusion_kernels import top_per_query

    rng = np.random.default_rng(3)
    counts = rng.integers(0, 30, size=200)
    one_up = np.nextafter(1.0, 2.0)  # scores that differ in their last bits only
    values = [-2.5, -1e-300, -0.0, 0.0, 1e-300, 0.25, 3.0, 1e300, -1e300, 1.0, one_up, np.nextafter(one_up, 2.0), -1.0,
              -one_up, 1.0 + 2**-44]
    scores = rng.choice(values, size=int(counts.sum()))
    scores[::7] = rng.normal(size=len(scores[::7]))
    starts = np.cumsum(counts) - counts
    k = 5
    picked, kept = top_per_query(starts, counts, scores, k, with_ties)
    expected, expected_kept = [], []
    for start, count in zip(starts.tolist(), counts.tolist()):
        order = sorted(range(start, start + count), key=lambda i: -scores[i])
        m = min(k, count)
        while with_ties and m < count and scores[order[m]] == scores[order[m - 1]]:
            m += 1
        expected += order[:m]
        expected_kept.append(m)
    assert picked.tolist() == expected and kept.tolist() == expected_kept
