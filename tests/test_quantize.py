import numpy as np
import pytest

from lsr_lucene.errors import ConfigError
from lsr_lucene.quantize import QuantizationConfig, quantize


def test_scale_round_drop_zeros_and_clip():
    ids = np.array([3, 5, 7, 9])
    ids_out, impacts = quantize(ids, np.array([0.004, 0.015, 1.234, 50.0]), QuantizationConfig(100, max_impact=1000))
    assert ids_out.tolist() == [5, 7, 9]  # 0.004 * 100 rounds to 0 and is dropped
    assert impacts.tolist() == [2, 123, 1000]  # 5000 clipped to max_impact
    assert impacts.dtype == np.int32


def test_threshold_and_top_k_keep_largest_with_ties_broken_by_position():
    ids = np.arange(6)
    weights = np.array([0.5, 2.0, 1.0, 1.0, 1.0, 0.1])
    out, impacts = quantize(ids, weights, QuantizationConfig(10, top_k=3, threshold=0.2))
    assert out.tolist() == [1, 2, 3] and impacts.tolist() == [20, 10, 10]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -0.5])
def test_non_finite_or_negative_weights_are_refused(bad):
    with pytest.raises(ValueError, match="finite and >= 0"):
        quantize(np.array([1, 2]), np.array([0.3, bad]), QuantizationConfig())


@pytest.mark.parametrize("kwargs", [{"scale": 0}, {"scale": float("nan")}, {"max_impact": 0}, {"top_k": 0},
                                    {"threshold": -1.0}])
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ConfigError):
        QuantizationConfig(**kwargs)
