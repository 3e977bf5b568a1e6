"""Tables, headline ratios and the plot of benchmarks/scale.py's result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

RECALL_TARGET = 0.95


def _configs(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every search configuration of a size: name -> figures (with recall@10 where approximate)."""
    found: dict[str, dict[str, Any]] = {}
    for job in ("search_plugin", "search_anserini", "search_bmp"):
        found.update(row.get(job, {}).get("configs", {}))
    for name, value in row["quality"]["recall_at_10"].items():
        found[name] = dict(found[name], recall=value)
    return found


def exact_plugin(row: dict[str, Any], k: int = 10, threads: int = 1) -> tuple[str, float]:
    """(strategy, queries/s) of the plugin's fastest exact strategy."""
    configs = _configs(row)
    return max(((s, configs[f"plugin-{s}-k{k}-t{threads}"]["queries_per_s"]) for s in ("exhaustive", "pruned", "auto")),
               key=lambda pair: pair[1])


def fastest_at_recall(row: dict[str, Any], prefix: str, target: float = RECALL_TARGET) -> tuple[str, dict] | None:
    """The fastest configuration named ``prefix...`` whose recall@10 reaches ``target``."""
    fits = [(name, c) for name, c in _configs(row).items()
            if name.startswith(prefix) and c.get("recall", 0) >= target]
    return max(fits, key=lambda pair: pair[1]["queries_per_s"]) if fits else None


def headline(result: dict[str, Any]) -> dict[str, float]:
    """Ratios at the largest size, k=10, 1 thread (>1: the plugin is faster)."""
    row = result["rows"][-1]
    configs = _configs(row)
    size = f"{row['docs'] // 1000}k"
    _, exact = exact_plugin(row)
    ratios = {f"scale {size} exact plugin vs Anserini SimpleImpactSearcher":
              exact / configs["anserini-k10-t1"]["queries_per_s"]}
    approx = fastest_at_recall(row, "plugin-")
    if approx:
        ratios[f"scale {size} approximate (recall@10 >= {RECALL_TARGET}) vs exact plugin"] = (
            approx[1]["queries_per_s"] / exact)
    with_bmp = [r for r in result["rows"] if "search_bmp" in r]
    if with_bmp:  # at the largest size BMP ran at (its memory may rule out the largest)
        row = with_bmp[-1]
        configs, size = _configs(row), f"{row['docs'] // 1000}k"
        _, exact = exact_plugin(row)
        ratios[f"scale {size} exact plugin vs BMP exact"] = exact / configs["bmp-a1-b1-k10"]["queries_per_s"]
        approx, bmp = fastest_at_recall(row, "plugin-"), fastest_at_recall(row, "bmp-a")
        if approx and bmp:
            ratios[f"scale {size} approximate plugin vs approximate BMP (recall@10 >= {RECALL_TARGET})"] = (
                approx[1]["queries_per_s"] / bmp[1]["queries_per_s"])
    return ratios


def _mb(value: float) -> str:
    return f"{value:,.0f}"


def _index_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| documents | engine | seconds | CPU s | index MB | peak RSS MB |", "|---:|---|---:|---:|---:|---:|"]
    for row in rows:
        for key, label in (("index_plugin", "plugin"), ("index_anserini", "Anserini IndexCollection"),
                           ("index_bmp", "BMP (bsize 32)"),
                           ("index_top", "plugin + top postings (1%) + forward vectors"),
                           ("index_static128", "plugin, 128 terms/doc")):
            if key in row:
                r = row[key]
                label += " (an earlier run's)" if r.get("reused") else ""
                lines.append(f"| {row['docs']:,} | {label} | {r['seconds']:.0f} | {r['cpu_s']:.0f} | "
                             f"{r['bytes'] / 2**20:,.0f} | {_mb(r['peak_rss_mb'])} |")
    return lines


def _search_table(row: dict[str, Any]) -> list[str]:
    configs = _configs(row)
    same = row["quality"]["same_ranking_top10"]
    lines = [f"{row['docs']:,} documents, {row['quality']['queries']} queries:", "",
             "| engine | k=10 1 thr q/s | k=10 2 thr q/s | k=1000 1 thr q/s | k=1000 2 thr q/s | "
             "p50 / p99 ms (k=10, 1 thr) | same top 10 as exact | peak RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    engines = [(f"plugin {s}", f"plugin-{s}-k{{k}}-t{{t}}", "search_plugin") for s in ("exhaustive", "pruned", "auto")]
    engines += [("plugin auto, postings not decoded", "plugin-undecoded-auto-k{k}-t{t}", "search_plugin")]
    engines += [("Anserini SimpleImpactSearcher", "anserini-k{k}-t{t}", "search_anserini"),
                ("BMP exact (alpha = beta = 1)", "bmp-a1-b1-k{k}", "search_bmp")]
    queries = row["quality"]["queries"]
    for label, pattern, job in engines:
        if job not in row:
            continue
        cells = []
        for k in (10, 1000):
            for t in (1, 2):
                name = pattern.format(k=k, t=t)
                cells.append(f"{configs[name]['queries_per_s']:,.1f}" if name in configs and (
                    t == 1 or "{t}" in pattern) else "n/a")
        first = configs[pattern.format(k=10, t=1)]
        names = dict.fromkeys(pattern.format(k=k, t=t) for k in (10, 1000) for t in (1, 2))
        agree = [same.get(name) for name in names]
        agree_text = "/".join(str(a) for a in agree if a is not None) + f" of {queries}"
        lines.append(f"| {label} | {' | '.join(cells)} | {first['p50_ms']:.1f} / {first['p99_ms']:.1f} | "
                     f"{agree_text} | {_mb(row[job]['peak_rss_mb'])} |")
    short = row["quality"].get("bmp_short_but_exact", {})
    for name, count in short.items():
        differ = queries - same[name]
        if differ:
            lines += ["", f"`{name}` differs from exact search on {differ} of {queries} queries; {count} of them only "
                          "lack their last hits, each returned hit carrying the exact score of its rank (BMP keeps a "
                          "document only strictly above its running threshold: cause 5 in docs/scale.md)."]
    plugin = row["search_plugin"]
    decoded = (f" (the decoded postings held {plugin['decoded_postings_mb']:,.0f} MB while their searchers were open)"
               if "decoded_postings_mb" in plugin else "")
    lines += ["", f"JVM heap in use after the plugin's searches (full GC): {plugin['heap_used_mb']:,.0f} MB of "
                  f"{plugin['heap_max_mb']:,.0f} MB{decoded}; BMP holds its index in memory ("
              + (f"{row['search_bmp']['rss_after_load_mb']:,.0f} MB RSS once loaded)." if "search_bmp" in row
                 else "not run at this size).")]
    return lines


def _approx_table(row: dict[str, Any]) -> list[str]:
    configs = _configs(row)
    _, exact = exact_plugin(row)
    bmp_exact = configs.get("bmp-a1-b1-k10", {}).get("queries_per_s")
    lines = ["| configuration | recall@10 | q/s | x exact plugin | x BMP exact | p50 / p99 ms |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, c in sorted(((n, c) for n, c in configs.items() if "recall" in c),
                          key=lambda pair: -pair[1]["recall"]):
        vs_bmp = f"{c['queries_per_s'] / bmp_exact:.2f}" if bmp_exact else "n/a"
        lines.append(f"| {name} | {c['recall']:.3f} | {c['queries_per_s']:,.1f} | {c['queries_per_s'] / exact:.2f} "
                     f"| {vs_bmp} | {c['p50_ms']:.2f} / {c['p99_ms']:.2f} |")
    return lines


def markdown(result: dict[str, Any]) -> str:
    corpus, rows = result["corpus"], result["rows"]
    stats, real, fid = corpus["statistics"], corpus["real_statistics"], corpus["fidelity"]
    pool = corpus["pool"]
    lines = [f"Corpus: {stats['documents']:,} SPLADE-tiny document vectors recombined from the {pool['documents']:,} "
             f"real encoded documents of {', '.join(pool['collections'])} (`benchmarks/scale_corpus.py`, "
             f"{corpus['seconds']:.0f} s; docs/scale.md), impacts requantized to ceil(impact x {result['doc_scale']:g})"
             f" (max {corpus['max_impact']}). Terms per document: mean {stats['length_mean']:.1f} (real "
             f"{real['length_mean']:.1f}), p5/p50/p95 {stats['length_p5']}/{stats['length_p50']}/{stats['length_p95']} "
             f"(real {real['length_p5']}/{real['length_p50']}/{real['length_p95']}); distances to the real vectors: "
             f"length KS {fid['length_ks']:.4f}, impact KS {fid['impact_ks']:.4f}, term-frequency profile TV "
             f"{fid['df_profile_tv']:.4f}, Spearman of term document frequencies {fid['df_spearman']:.4f}.",
             "",
             f"Queries: {result['queries']} judged test queries (up to {result['per_collection']} per collection), "
             f"{result['query_nnz_mean']:.0f} terms on average, quantized to BMP's 5-bit scale for every engine. "
             f"JVM heap {result['heap']} per Java process; each engine runs in its own process, each configuration "
             "after a warm-up of 50 queries (the plugin's first exact and first postings-fraction configurations: "
             "all the queries, which decodes what later configurations of their kind read). Run time {:.0f} "
             "minutes; load average (2 cores, shared) {:.1f} to {:.1f}.".format(
                 result["minutes"], min(result["load"]), max(result["load"])),
             "", "Indexing:", ""] + _index_table(rows) + [""]
    for row in rows:
        lines += _search_table(row) + [""]
        if "bmp_skipped" in row:
            lines += [f"BMP at {row['docs']:,} documents: not run, {row['bmp_skipped']}.", ""]
    last = rows[-1]
    lines += [f"Approximate search at {last['docs']:,} documents (k=10, 1 thread; plugin: default strategy with "
              "postings fraction p, or query mass m and threshold factor f, c candidates rescored; static: index "
              "keeping each document's N heaviest terms; BMP: alpha a, beta b):", ""] + _approx_table(last) + [""]
    if "leak" in last:
        leak = last["leak"]
        first, end = leak["series"][0], leak["series"][-1]
        lines += [f"Leak check: {leak['queries']:,} queries (k=1000, 2 threads, batches of 1,000) through one "
                  f"searcher: RSS {first['rss_mb']:,.0f} MB after the first batch, {end['rss_mb']:,.0f} MB at the end; "
                  f"JVM heap in use after a full GC {first['heap_used_mb']:.0f} MB, then {end['heap_used_mb']:.0f} MB.",
                  ""]
    if "chart" in result:
        lines.append(f"![scale]({result['chart']})")
    return "\n".join(lines) + "\n"


def plot(result: dict[str, Any], path: Path) -> Path:
    """Growth curves (q/s and index time against documents, when more than one size ran) and recall@10 against q/s
    at the largest size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    growth = len(rows) > 1
    fig, axes = plt.subplots(1, 3 if growth else 1, figsize=(14 if growth else 6, 3.8), squeeze=False)
    if growth:
        _growth(axes[0][0], axes[0][1], rows)
    _recall(axes[0][-1], rows[-1])
    for ax in axes[0]:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=70)
    plt.close(fig)
    return path


def _growth(speed: Any, indexing: Any, rows: list[dict[str, Any]]) -> None:
    for label, pattern in (("plugin exhaustive", "plugin-exhaustive-k10-t1"), ("plugin pruned", "plugin-pruned-k10-t1"),
                           ("Anserini", "anserini-k10-t1"), ("BMP exact", "bmp-a1-b1-k10")):
        points = [(r["docs"], _configs(r)[pattern]["queries_per_s"]) for r in rows if pattern in _configs(r)]
        if points:
            speed.plot(*zip(*points), marker="o", label=label)
    speed.set(xscale="log", yscale="log", xlabel="documents", ylabel="queries/s (k=10, 1 thread)")
    for key, label in (("index_plugin", "plugin"), ("index_anserini", "Anserini"), ("index_bmp", "BMP")):
        points = [(r["docs"], r[key]["seconds"]) for r in rows if key in r]
        if points:
            indexing.plot(*zip(*points), marker="o", label=label)
    indexing.set(xscale="log", yscale="log", xlabel="documents", ylabel="indexing seconds")


def _recall(ax: Any, row: dict[str, Any]) -> None:
    configs = _configs(row)
    for prefix, label in (("plugin-fraction", "plugin postings fraction"), ("plugin-approx", "plugin query mass"),
                          ("plugin-top", "plugin top postings"), ("plugin-static", "plugin static pruning"),
                          ("bmp-a", "BMP approximate")):
        points = sorted((c["queries_per_s"], c["recall"]) for n, c in configs.items() if n.startswith(prefix)
                        and "recall" in c)
        if points:
            ax.plot(*zip(*points), marker="o", linestyle="", label=label)
    for name, marker in (("plugin-auto-k10-t1", "s"), ("bmp-a1-b1-k10", "^")):
        if name in configs:
            ax.plot(configs[name]["queries_per_s"], 1.0, marker=marker, linestyle="", label=name)
    ax.set(xscale="log", xlabel=f"queries/s at {row['docs']:,} documents (k=10, 1 thread)", ylabel="recall@10")
