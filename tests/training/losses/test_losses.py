"""Each ranking loss against a value computed by hand (dot-product scores on 2-term vectors)."""

import math

import pytest
import torch

from lsr_lucene.errors import ConfigError
from lsr_lucene.training.losses import make_loss


def test_in_batch_is_cross_entropy_over_every_document_of_the_batch():
    q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    pos = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    neg = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    # scores of q0 over [pos0, pos1, neg0, neg1] = [1, 0, 0, 1]; of q1 = [0, 2, 1, 0]
    q0 = math.log(2 * math.e + 2) - 1
    q1 = math.log(2 + math.e + math.e ** 2) - 2
    loss = make_loss("in_batch", None).compute_loss_from_embeddings([q, pos, neg], None)
    assert float(loss) == pytest.approx((q0 + q1) / 2, rel=1e-6)


def test_margin_mse_compares_margins_with_the_teachers():
    q = torch.tensor([[1.0, 0.0]])
    pos, neg = torch.tensor([[2.0, 0.0]]), torch.tensor([[1.0, 1.0]])
    labels = torch.tensor([[3.0, 1.0]])  # teacher scores of (positive, negative): margin 2; student margin 1
    loss = make_loss("margin_mse", None).compute_loss_from_embeddings([q, pos, neg], labels)
    assert float(loss) == pytest.approx(1.0)


def test_kl_distill_is_kl_of_teacher_and_student_softmaxes():
    q = torch.tensor([[1.0, 0.0]])
    pos, neg = torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    labels = torch.tensor([[0.0, 0.0]])  # teacher: uniform; student scores [2, 0]
    lse = math.log(math.e ** 2 + 1)
    expected = 0.5 * (math.log(0.5) - (2 - lse)) + 0.5 * (math.log(0.5) + lse)
    loss = make_loss("kl_distill", None, temperature=1.0).compute_loss_from_embeddings([q, pos, neg], labels)
    assert float(loss) == pytest.approx(expected, rel=1e-6)


def test_unknown_parameter_names_the_loss():
    with pytest.raises(ConfigError, match="loss 'margin_mse'"):
        make_loss("margin_mse", None, temperature=2.0)
