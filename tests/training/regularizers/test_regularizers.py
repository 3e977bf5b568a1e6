"""Each regularizer against a value computed by hand on a 2 x 3 batch."""

import math

import pytest
import torch

from lsr_lucene.errors import ConfigError, UnknownNameError
from lsr_lucene.training.regularizers import make_regularizer

E = torch.tensor([[1.0, 0.0, 2.0], [3.0, 0.0, 0.0]])
IDF = torch.tensor([2.0, 1.0, 0.5])


def value(name, embeddings=E, **params):
    return float(make_regularizer(name, None, IDF, **params).compute_loss_from_embeddings(embeddings))


def test_flops_is_the_squared_mean_activation_summed_over_terms():
    # mean over documents [2, 0, 1] -> 4 + 0 + 1
    assert value("flops") == pytest.approx(5.0)


def test_l0_mask_keeps_only_documents_above_the_threshold():
    # nonzeros [2, 1]: with t = 1 only the first document counts (the mean still divides by 2): [0.5, 0, 1]
    assert value("l0_mask", threshold=1) == pytest.approx(0.25 + 1.0)
    assert value("l0_mask", threshold=0) == pytest.approx(5.0)
    assert value("l0_mask", threshold=2) == pytest.approx(0.0)


def test_idf_flops_weights_terms_by_idf_with_an_optional_l0_mask():
    # E * idf = [[2, 0, 1], [6, 0, 0]] -> mean [4, 0, 0.5] -> 16.25; masked (t = 1): [1, 0, 0.5] -> 1.25
    assert value("idf_flops") == pytest.approx(16.25)
    assert value("idf_flops", threshold=1) == pytest.approx(1.25)


def test_l1_is_the_mean_per_document_sum():
    assert value("l1") == pytest.approx(3.0)


def test_block_l1_sums_l2_norms_of_vocabulary_blocks():
    e = torch.tensor([[3.0, 4.0, 0.0], [0.0, 0.0, 5.0]])
    # blocks of 2 (vocab padded to 4): doc 0 -> ||(3,4)|| + ||(0,0)|| = 5; doc 1 -> 0 + ||(5,0)|| = 5
    assert value("block_l1", e, block_size=2) == pytest.approx(5.0)
    assert value("block_l1", e, block_size=1) == pytest.approx(6.0)  # plain L1
    assert value("block_l1", e, block_size=3) == pytest.approx(5.0)  # one block per document: its L2 norm


def test_channel_l1_sums_root_mean_squares_of_each_term():
    e = torch.tensor([[3.0, 4.0, 0.0], [0.0, 0.0, 5.0]])
    assert value("channel_l1", e) == pytest.approx((3 + 4 + 5) / math.sqrt(2), rel=1e-5)


def test_gradients_are_finite_at_zero():
    e = torch.zeros(2, 4, requires_grad=True)
    for name, params in [("block_l1", {"block_size": 2}), ("channel_l1", {})]:
        make_regularizer(name, None, None, **params).compute_loss_from_embeddings(e).backward()
        assert torch.isfinite(e.grad).all()
        e.grad = None


def test_bad_names_and_parameters_are_refused():
    with pytest.raises(UnknownNameError, match="known: block_l1, channel_l1, flops"):
        make_regularizer("flop", None, None)
    with pytest.raises(ConfigError, match="no parameter"):
        make_regularizer("l1", None, None, threshold=3)
    with pytest.raises(ConfigError, match="needs a threshold"):
        make_regularizer("l0_mask", None, None)
    with pytest.raises(ConfigError, match="needs IDF"):
        make_regularizer("idf_flops", None, None)
