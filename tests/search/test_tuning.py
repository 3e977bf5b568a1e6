"""Weight tuning on held-out queries: the grid, the choice, and the tie rule."""

import pytest

from lsr_lucene.errors import ConfigError
from lsr_lucene.search.fusion import FusionConfig
from lsr_lucene.search.tuning import tune_weights, weight_grid
from lsr_lucene.types import Hit, Qrel


def test_weight_grid_is_the_simplex():
    assert weight_grid(2, 0.5) == [(1.0, 0.0), (0.5, 0.5), (0.0, 1.0)]
    grid = weight_grid(3, 0.25)
    assert len(grid) == 15 and all(abs(sum(w) - 1) < 1e-9 for w in grid)
    assert weight_grid(3, 0.25, interior=True) == [w for w in grid if min(w) > 0]
    with pytest.raises(ConfigError, match="must divide 1"):
        weight_grid(2, 0.3)


def test_tuning_picks_the_best_weights_and_breaks_ties_towards_uniform():
    # a is right on q1 and q3, b on q2; b ties r3 with n3 on q3 (evaluation orders ties by doc id: n3 first), so a
    # must take part
    run_a = {"q1": [Hit("r1", 2.0), Hit("n1", 1.0)], "q2": [Hit("n2", 2.0), Hit("r2", 1.0)],
             "q3": [Hit("r3", 2.0), Hit("n3", 1.0)]}
    run_b = {"q1": [Hit("n1", 9.0), Hit("r1", 1.0)], "q2": [Hit("r2", 9.0), Hit("n2", 1.0)],
             "q3": [Hit("r3", 5.0), Hit("n3", 5.0)]}
    qrels = [Qrel("q1", "r1", 1), Qrel("q2", "r2", 1), Qrel("q3", "r3", 1)]
    result = tune_weights([run_a, run_b], qrels, FusionConfig("minmax"), weight_grid(2, 0.25), "RR@10")
    assert dict(result.trials) == pytest.approx({(1.0, 0.0): 2.5 / 3, (0.75, 0.25): 2.5 / 3, (0.5, 0.5): 2 / 3,
                                                 (0.25, 0.75): 2.5 / 3, (0.0, 1.0): 2 / 3})
    assert result.score == pytest.approx(2.5 / 3) and result.measure == "RR@10"
    # three grid points score best: the two closest to uniform tie, and the earlier one wins
    assert result.config == FusionConfig("minmax", (0.75, 0.25))


def test_tuning_needs_qrels():
    with pytest.raises(ConfigError, match="no qrels"):
        tune_weights([{}], [], FusionConfig())


@pytest.mark.parametrize("method", ["rrf", "minmax", "zscore", "raw"])
def test_every_trial_scores_what_fuse_then_evaluate_gives(method):
    import random

    from lsr_lucene.evaluation.measures import evaluate
    from lsr_lucene.search.fusion import fuse

    rng = random.Random(3)
    docs = [f"d{i}" for i in range(60)]

    def run(scale):
        return {f"q{q}": sorted((Hit(d, rng.random() * scale) for d in rng.sample(docs, rng.randint(0, 25))),
                                key=lambda h: -h.score) for q in range(12)}

    runs = [run(1.0), run(30.0), run(0.01)]
    qrels = [Qrel(f"q{q}", d, rng.randint(1, 2)) for q in range(12) for d in rng.sample(docs, 4)]
    base = FusionConfig(method, k=20)
    result = tune_weights(runs, qrels, base, weight_grid(3, 0.25), "nDCG@10")
    for weights, score in result.trials:
        config = FusionConfig(method, weights, k=20)
        assert score == pytest.approx(evaluate(fuse(runs, config), qrels, ["nDCG@10"])["nDCG@10"], abs=1e-9)


@pytest.mark.parametrize("relevant", ["a4", "b4"])
def test_documents_tied_at_the_cutoff_are_all_evaluated(relevant):
    from lsr_lucene.evaluation.measures import evaluate
    from lsr_lucene.search.fusion import fuse

    # RRF, equal weights: c leads, then a_i and b_i tie pairwise, so a4 and b4 tie at ranks 10 and 11
    run_a = {"q": [Hit("c", 1.0)] + [Hit(f"a{i}", 0.5 - i / 100) for i in range(10)]}
    run_b = {"q": [Hit("c", 1.0)] + [Hit(f"b{i}", 0.5 - i / 100) for i in range(10)]}
    qrels = [Qrel("q", relevant, 1)]
    result = tune_weights([run_a, run_b], qrels, FusionConfig("rrf"), [(0.5, 0.5)], "nDCG@10")
    expected = evaluate(fuse([run_a, run_b], FusionConfig("rrf", (0.5, 0.5))), qrels, ["nDCG@10"])["nDCG@10"]
    assert result.score == pytest.approx(expected, abs=1e-12)
