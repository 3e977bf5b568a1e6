"""The report's pictures, drawn with matplotlib (Agg, no screen) from ``report.json``'s figures; each function
returns PNG bytes, or None when the report holds nothing to draw."""

from __future__ import annotations

import io
from typing import Any

KIND_MARKERS = {"bm25": "s", "sparse": "o", "slim": "D", "dense": "^", "fusion": "*"}


def _png(figure: Any) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def _figure(width: float = 9.0, height: float = 4.0, columns: int = 1) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(1, columns, figsize=(width, height), squeeze=False)


def tradeoff(report: dict[str, Any]) -> bytes | None:
    """nDCG@10 against FLOPS (runs that have them) and against milliseconds per query, one point per run."""
    runs = report["runs"]
    if not runs:
        return None
    figure, axes = _figure(columns=2)
    from matplotlib.ticker import NullFormatter

    colors = {name: f"C{i % 10}" for i, name in enumerate(runs)}

    for ax, key, xlabel in ((axes[0][0], "flops", "FLOPS (expected multiplications per query-document pair)"),
                            (axes[0][1], "ms_per_query", "milliseconds per query (query encoding included)")):
        xs = []
        for name, run in runs.items():
            x, y = run["efficiency"].get(key), run["effectiveness"].get("nDCG@10")
            if isinstance(x, (int, float)) and x > 0 and y is not None:
                xs.append(x)
                ax.scatter([x], [y], marker=KIND_MARKERS.get(run["kind"], "o"), s=70, color=colors[name])
                ax.annotate(name, (x, y), textcoords="offset points", xytext=(5, 4), fontsize=7)
        if xs and max(xs) > 20 * min(xs):
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel("nDCG@10")
        ax.grid(alpha=0.3)
    axes[0][0].set_title("effectiveness vs FLOPS (learned sparse runs)", fontsize=9)
    axes[0][1].set_title("effectiveness vs latency", fontsize=9)
    return _png(figure)


def per_query_delta(report: dict[str, Any], baseline: str = "bm25") -> bytes | None:
    """Each run's per-query nDCG@10 minus the baseline's, sorted: where a run wins and loses."""
    runs = report["runs"]
    if baseline not in runs or len(runs) < 2:
        return None
    base = runs[baseline]["per_query_ndcg10"]
    figure, axes = _figure(height=4.5)
    ax = axes[0][0]
    for name, run in runs.items():
        if name == baseline:
            continue
        deltas = sorted(run["per_query_ndcg10"].get(q, 0.0) - value for q, value in base.items())
        wins, losses = sum(d > 0 for d in deltas), sum(d < 0 for d in deltas)
        ax.plot(range(len(deltas)), deltas, drawstyle="steps-mid", label=f"{name} (+{wins} / -{losses})")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("queries, sorted by the difference")
    ax.set_ylabel(f"nDCG@10 minus {baseline}'s")
    ax.set_title(f"per-query nDCG@10 against {baseline} (wins / losses)", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _png(figure)


def postings_histogram(report: dict[str, Any]) -> bytes | None:
    """Postings per document of each learned sparse model's index."""
    histograms = {n: h for n, h in report.get("doc_nnz_histograms", {}).items() if h.get("counts")}
    if not histograms:
        return None
    figure, axes = _figure()
    ax = axes[0][0]
    for name, hist in histograms.items():
        ax.stairs(hist["counts"], hist["edges"], fill=len(histograms) == 1, alpha=0.6,
                  label=f"{name} (mean {hist['mean']:.0f})")
    ax.set_xlabel("postings (nonzero terms) per document")
    ax.set_ylabel("documents")
    ax.set_title("postings per document", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _png(figure)


def index_sizes(report: dict[str, Any]) -> bytes | None:
    """Size on disk of each index (BM25, learned sparse, dense)."""
    sizes = {n: r["efficiency"]["index_mb"] for n, r in report["runs"].items()
             if isinstance(r["efficiency"].get("index_mb"), (int, float)) and r["kind"] in ("bm25", "sparse", "dense")}
    if not sizes:
        return None
    figure, axes = _figure(height=0.5 + 0.45 * len(sizes))
    ax = axes[0][0]
    ax.barh(list(sizes), list(sizes.values()), color="tab:blue")
    for y, value in enumerate(sizes.values()):
        ax.annotate(f"{value:.3g} MB", (value, y), textcoords="offset points", xytext=(4, -3), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("index size (MB)")
    ax.set_title("index sizes", fontsize=9)
    return _png(figure)


PLOTS = (("Trade-off", tradeoff), ("Per-query difference from BM25", per_query_delta),
         ("Postings per document", postings_histogram), ("Index sizes", index_sizes))
