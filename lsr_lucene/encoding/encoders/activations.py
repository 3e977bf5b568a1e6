"""Term-weight activations, applied to a term's logit after max pooling (both are monotone, so pooling first is exact).

``splade``: log(1 + relu(x)), the SPLADE activation. ``l0``: log(1 + log(1 + relu(x))), the l0 approximation
activation of Shen et al. 2025 (arXiv 2504.14839), which flattens large weights so the training signal goes to the
number of nonzeros rather than their size. Checkpoints store them under sentence-transformers' ``SpladePooling``
names (``relu`` and ``log1p_relu``), which is how the encoders read them back.
"""

from __future__ import annotations

from typing import Any

from ...errors import UnknownNameError
from ...registry import Registry

ACTIVATIONS: Registry[str] = Registry("activation")
"""Our name -> sentence-transformers' ``SpladePooling.activation_function``."""
ACTIVATIONS.register("splade", "relu")
ACTIVATIONS.register("l0", "log1p_relu")


def st_name(activation: str) -> str:
    """sentence-transformers' ``SpladePooling.activation_function`` for one of our activation names."""
    return ACTIVATIONS.get(activation)


def from_st_name(name: str) -> str:
    """Our activation name for a ``SpladePooling.activation_function`` value."""
    for ours in ACTIVATIONS.names():
        if ACTIVATIONS.get(ours) == name:
            return ours
    raise UnknownNameError("SpladePooling activation_function", name, [ACTIVATIONS.get(n) for n in ACTIVATIONS.names()])


def apply(activation: str, logits: Any) -> Any:
    """The activation applied to logits (a torch tensor); negative logits give 0."""
    import torch

    out = torch.log1p(torch.relu(logits))
    return torch.log1p(out) if ACTIVATIONS.canonical(activation) == "l0" else out


def derivative(activation: str, logits: Any) -> Any:
    """d activation / d logit (0 where the logit is <= 0)."""
    import torch

    positive = logits > 0
    z = torch.where(positive, logits, torch.zeros_like(logits))
    grad = 1.0 / (1.0 + z)
    if ACTIVATIONS.canonical(activation) == "l0":
        grad = grad / (1.0 + torch.log1p(z))
    return torch.where(positive, grad, torch.zeros_like(grad))
