"""A PNG of a run's curves over steps: loss terms, document and query nonzeros, batch FLOPS, held-out nDCG@10."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence


def _smooth(values: Sequence[float], window: int) -> list[float]:
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def plot_curves(records: Sequence[dict[str, Any]], dev: Sequence[dict[str, Any]], path: str | os.PathLike,
                title: str = "") -> Path:
    """Write the 2x2 figure to ``path`` (atomically) from the step log and the held-out evaluations."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io.atomic import atomic_open

    steps = [r["step"] for r in records]
    window = max(1, len(records) // 50)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    ax = axes[0][0]
    keys = sorted({k for r in records for k in r.get("terms", {})})
    for key in ["total", *keys]:
        values = [r["loss"] if key == "total" else r.get("terms", {}).get(key, 0.0) for r in records]
        ax.plot(steps, _smooth(values, window), label=key, linewidth=1)
    ax.set_title("loss (smoothed)")
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.legend(fontsize=7)
    ax = axes[0][1]
    ax.plot(steps, _smooth([r["doc_nnz"] for r in records], window), label="documents")
    ax.plot(steps, _smooth([r["query_nnz"] for r in records], window), label="queries")
    ax.set_title("nonzeros per vector (training batches)")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    ax = axes[1][0]
    ax.plot(steps, _smooth([r["flops"] for r in records], window), color="tab:red")
    ax.set_title("FLOPS (batch estimate: sum_t p_q(t) p_d(t))")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax = axes[1][1]
    if dev:
        ax.plot([d["step"] for d in dev], [d.get("ndcg@10", 0.0) for d in dev], marker="o", label="held-out nDCG@10")
        if any("agreement@10" in d for d in dev):
            ax.plot([d["step"] for d in dev], [d.get("agreement@10", 0.0) for d in dev], marker="s",
                    label="held-out agreement@10 (with the teacher)")
        ax.legend(fontsize=7)
    twin = ax.twinx()
    twin.plot(steps, [r["lambda_document"] for r in records], color="tab:gray", linestyle="--", linewidth=1)
    twin.set_ylabel("document lambda", fontsize=8)
    ax.set_title("held-out nDCG@10 / agreement@10 (rerank), document lambda")
    ax.set_xlabel("step")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    with atomic_open(path, "wb") as out:
        fig.savefig(out, format="png", dpi=90)
    plt.close(fig)
    return path
