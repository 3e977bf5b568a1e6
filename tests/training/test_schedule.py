import pytest

from lsr_lucene.training.schedule import linear_lr, quadratic_warmup


def test_quadratic_warmup_reaches_the_final_lambda():
    assert quadratic_warmup(0, 10, 2.0) == 0.0
    assert quadratic_warmup(5, 10, 2.0) == pytest.approx(0.5)  # 2 * (5/10)^2
    assert quadratic_warmup(10, 10, 2.0) == 2.0 and quadratic_warmup(50, 10, 2.0) == 2.0
    assert quadratic_warmup(3, 0, 2.0) == 2.0


def test_linear_lr_warms_up_then_decays_to_zero():
    assert linear_lr(0, 100, 10, 1.0) == pytest.approx(0.1)
    assert linear_lr(9, 100, 10, 1.0) == pytest.approx(1.0)
    assert linear_lr(55, 100, 10, 1.0) == pytest.approx(0.5)
    assert linear_lr(100, 100, 10, 1.0) == 0.0
