"""SPLADE's vocabulary projection, max pooling and activation in one autograd function whose backward touches only
the active (text, term) pairs.

The plain path (sentence-transformers' ``SpladePooling`` over MLM logits) builds a ``texts x tokens x vocab`` tensor
and keeps it for the backward pass; on CPU that tensor, not the transformer, is the cost. Here the forward runs
without gradient, text by text over its real tokens only: a low-precision (bfloat16) ``weight @ hidden.T`` and its
maximum per term pick the candidate terms, whose logits are then recomputed in float32 over all tokens, giving the
exact maximum and the token that produced it. Max pooling sends the gradient to that token only and the activation
is flat below 0, so the backward needs only the active pairs: a few hundred per text instead of 30k x tokens.

Values equal the plain path's (up to float32 rounding) unless a term's low-precision maximum is off by more than
``_MARGIN``, which bfloat16 (8 bits of mantissa) does not do for logits below ~60.
"""

from __future__ import annotations

from typing import Any

from ..encoding.encoders.activations import apply, derivative

_MARGIN = 0.25
"""Terms whose low-precision maximum (plus bias) is above ``-_MARGIN`` are recomputed exactly."""


def _select(hidden: Any, lengths: Any, weight: Any, bias: Any, lowp: Any) -> tuple[Any, Any, Any, Any]:
    """(text index, token index, term index, float32 logit) of every active (text, term) pair."""
    import torch

    low_weight = weight.to(lowp)
    texts, tokens, terms, values = [], [], [], []
    for i, length in enumerate(lengths.tolist()):
        rows = hidden[i, :max(int(length), 1)]
        maxima = (low_weight @ rows.to(lowp).T).amax(dim=1).float() + bias
        candidates = torch.nonzero(maxima > -_MARGIN, as_tuple=True)[0]
        if candidates.numel() == 0:
            continue
        exact, argmax = (weight[candidates].float() @ rows.float().T).max(dim=1)
        exact = exact + bias[candidates].float()
        keep = exact > 0
        texts.append(torch.full((int(keep.sum()),), i, dtype=torch.long, device=hidden.device))
        tokens.append(argmax[keep])
        terms.append(candidates[keep])
        values.append(exact[keep])
    if not texts:
        empty = torch.zeros(0, dtype=torch.long, device=hidden.device)
        return empty, empty, empty, torch.zeros(0, device=hidden.device)
    return torch.cat(texts), torch.cat(tokens), torch.cat(terms), torch.cat(values)


def _function() -> Any:
    import torch

    class MaxPooledVocab(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, hidden: Any, weight: Any, bias: Any, lengths: Any, activation: str,
                    lowp: Any) -> Any:
            with torch.no_grad():
                b, t, v, z = _select(hidden.detach(), lengths, weight.detach(), bias.detach().float(), lowp)
                out = torch.zeros(hidden.shape[0], weight.shape[0], dtype=torch.float32, device=hidden.device)
                out[b, v] = apply(activation, z)
            ctx.save_for_backward(hidden, weight, b, t, v, z)
            ctx.activation = activation
            ctx.bias_dtype = bias.dtype
            return out

        @staticmethod
        def backward(ctx: Any, grad_out: Any) -> Any:
            hidden, weight, b, t, v, z = ctx.saved_tensors
            g = grad_out[b, v] * derivative(ctx.activation, z)
            grad_hidden = grad_weight = grad_bias = None
            chunk = 65536
            if ctx.needs_input_grad[0]:
                grad_hidden = torch.zeros_like(hidden)
                for s in range(0, g.shape[0], chunk):
                    e = s + chunk
                    grad_hidden.index_put_((b[s:e], t[s:e]), (g[s:e, None] * weight[v[s:e]]).to(hidden.dtype),
                                           accumulate=True)
            if ctx.needs_input_grad[1]:
                grad_weight = torch.zeros_like(weight)
                for s in range(0, g.shape[0], chunk):
                    e = s + chunk
                    grad_weight.index_add_(0, v[s:e], (g[s:e, None] * hidden[b[s:e], t[s:e]]).to(weight.dtype))
            if ctx.needs_input_grad[2]:
                grad_bias = torch.zeros(weight.shape[0], dtype=ctx.bias_dtype, device=weight.device).index_add_(
                    0, v, g.to(ctx.bias_dtype))
            return grad_hidden, grad_weight, grad_bias, None, None, None

    return MaxPooledVocab


_FUNCTION: Any = None


def max_pooled_vocab(hidden: Any, mask: Any, weight: Any, bias: Any | None, activation: str = "splade",
                     precision: str = "bf16") -> Any:
    """``activation(max over real tokens of hidden @ weight.T + bias)``: a dense ``[texts, vocab]`` float32 tensor.

    ``hidden``: ``[texts, tokens, dim]``, the input of the vocabulary projection; ``mask``: ``[texts, tokens]``
    attention mask, right- or left-padded; ``weight``: ``[vocab, dim]``; ``bias``: ``[vocab]`` or None.
    ``precision``: ``bf16`` or ``fp32`` for the search of candidate terms (values are float32 either way).
    """
    import torch

    global _FUNCTION
    if _FUNCTION is None:
        _FUNCTION = _function()
    if precision not in ("bf16", "fp32"):
        raise ValueError(f"precision must be 'bf16' or 'fp32', got {precision!r}")
    mask = mask.bool()
    if mask.shape[1] and not bool(mask[:, 0].all()):  # left padding (decoder-only): move real tokens first
        order = torch.argsort((~mask).int(), dim=1, stable=True)
        hidden = torch.gather(hidden, 1, order.unsqueeze(-1).expand_as(hidden))
        mask = torch.gather(mask, 1, order)
    if bias is None:
        bias = torch.zeros(weight.shape[0], dtype=weight.dtype, device=weight.device)
    lowp = torch.bfloat16 if precision == "bf16" else torch.float32
    return _FUNCTION.apply(hidden, weight, bias, mask.sum(dim=1), activation, lowp)
