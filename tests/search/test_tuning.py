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
    # a is right on q1 and q3, b on q2; b ties r3 with n3 on q3 (doc-id order puts n3 first), so a must take part
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
