"""Schedules: the regularization weight's quadratic warm-up (SPLADE papers) and the learning rate's linear warm-up
and decay."""

from __future__ import annotations


def quadratic_warmup(step: int, warmup_steps: int, value: float) -> float:
    """``value * min(1, (step / warmup_steps)^2)``: lambda grows quadratically to its final value, which lets the
    ranking loss shape the vectors before sparsity is enforced (Formal et al. 2021)."""
    if warmup_steps <= 0 or step >= warmup_steps:
        return value
    return value * (step / warmup_steps) ** 2


def linear_lr(step: int, total_steps: int, warmup_steps: int, peak: float) -> float:
    """Learning rate: linear from 0 to ``peak`` over ``warmup_steps``, then linear down to 0 at ``total_steps``."""
    if warmup_steps > 0 and step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    remaining = max(total_steps - warmup_steps, 1)
    return peak * max(0.0, (total_steps - step) / remaining)
