"""The fast projection against the plain computation (full logits, mask, activation, max) on small random tensors."""

import pytest
import torch

from lsr_lucene.encoding.encoders.activations import apply
from lsr_lucene.training.sparse_head import max_pooled_vocab


def plain(hidden, mask, weight, bias, activation):
    logits = hidden @ weight.T + bias
    logits = logits.masked_fill(~mask.bool().unsqueeze(-1), float("-inf"))
    return apply(activation, logits.amax(dim=1))


@pytest.mark.parametrize("activation", ["splade", "l0"])
@pytest.mark.parametrize("precision", ["bf16", "fp32"])
def test_values_and_gradients_equal_the_plain_path(activation, precision):
    torch.manual_seed(0)
    hidden = torch.randn(3, 5, 8, dtype=torch.float64).float().requires_grad_()
    weight = torch.randn(40, 8).requires_grad_()
    bias = (torch.randn(40) - 1.0).requires_grad_()
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 0, 0, 0, 0]])
    probe = torch.randn(3, 40)
    out = max_pooled_vocab(hidden, mask, weight, bias, activation, precision)
    (out * probe).sum().backward()
    grads = [t.grad.clone() for t in (hidden, weight, bias)]
    for t in (hidden, weight, bias):
        t.grad = None
    ref = plain(hidden, mask, weight, bias, activation)
    (ref * probe).sum().backward()
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)
    for got, want in zip(grads, (hidden.grad, weight.grad, bias.grad)):
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
    assert (out >= 0).all() and (out == 0).any()


def test_left_padding_gives_the_same_vectors_as_right_padding():
    torch.manual_seed(1)
    rows = torch.randn(2, 4, 6)
    weight, bias = torch.randn(30, 6), torch.zeros(30)
    right = max_pooled_vocab(rows, torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]]), weight, bias)
    left_rows = torch.stack([torch.cat([rows[0, 3:], rows[0, :3]]), rows[1]])
    left = max_pooled_vocab(left_rows, torch.tensor([[0, 1, 1, 1], [1, 1, 1, 1]]), weight, bias)
    torch.testing.assert_close(left, right)


def test_no_active_term_gives_zero_vectors():
    out = max_pooled_vocab(torch.randn(2, 3, 4), torch.ones(2, 3), torch.randn(10, 4), torch.full((10,), -100.0))
    assert out.shape == (2, 10) and not out.any()


def test_half_precision_hidden_states_get_gradients_of_their_own_dtype():
    """Under CUDA autocast a backbone may hand over bfloat16 hidden states with a float32 head."""
    torch.manual_seed(2)
    hidden = torch.randn(2, 4, 8).bfloat16().requires_grad_()
    weight = torch.randn(30, 8).requires_grad_()
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]])
    probe = torch.randn(2, 30)
    (max_pooled_vocab(hidden, mask, weight, None) * probe).sum().backward()
    assert hidden.grad.dtype == torch.bfloat16 and weight.grad.dtype == torch.float32
    exact = hidden.detach().float().requires_grad_()
    (plain(exact, mask, weight.detach(), torch.zeros(30), "splade") * probe).sum().backward()
    torch.testing.assert_close(hidden.grad.float(), exact.grad, atol=2e-2, rtol=2e-2)
