import math

import pytest
import torch

from lsr_lucene.errors import UnknownNameError
from lsr_lucene.encoding.encoders.activations import apply, derivative, from_st_name, st_name

X = torch.tensor([-1.0, 0.0, 1.0, math.e - 1])


def test_splade_and_l0_values():
    assert apply("splade", X).tolist() == pytest.approx([0.0, 0.0, math.log(2), 1.0])
    assert apply("l0", X).tolist() == pytest.approx([0.0, 0.0, math.log(1 + math.log(2)), math.log(2)])


def test_derivatives_match_autograd():
    for name in ("splade", "l0"):
        x = torch.tensor([-0.5, 0.3, 2.0, 7.0], requires_grad=True)
        apply(name, x).sum().backward()
        assert derivative(name, x.detach()).tolist() == pytest.approx(x.grad.tolist())


def test_names_map_to_sentence_transformers_pooling():
    assert st_name("splade") == "relu" and st_name("l0") == "log1p_relu"
    assert from_st_name("log1p_relu") == "l0"
    with pytest.raises(UnknownNameError):
        from_st_name("gelu")
