#!/usr/bin/env python
"""Run every benchmark in benchmarks/ and write BENCHMARKS.md plus a chart of the ratios.

    PYTHONPATH=. python benchmarks/run.py [--quick] [--only encode scaling] [--report-only]

Each benchmark runs in its own child process (its own JVM heap, its own peak RSS, a crash stops only that one)
and leaves ``benchmarks/work/results/<name>.json``; ``--report-only`` rebuilds BENCHMARKS.md and the chart from
those files. A module listed in ``REGISTRY`` whose file is missing is skipped with a notice.

The contract of a benchmark module is two functions: ``run(work: Path, **options) -> dict`` and
``markdown(result: dict) -> str``. A result may carry ``ratios`` (label -> how many times better than the anchor),
``command`` and ``load``. Modules written before this contract get an adapter below (``_adapt_*``) that calls
their own functions and returns the same shape.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "work"
RESULTS = "results"
OUTSIDE = REPO / "benchmarks" / "outside.md"


@dataclass(frozen=True)
class Benchmark:
    """One comparison: module ``benchmarks/<name>.py``, what it compares with, how to run it (full and quick)."""

    name: str
    title: str
    anchor: str
    options: dict[str, Any] = field(default_factory=dict)
    quick: dict[str, Any] = field(default_factory=dict)
    adapter: str | None = None
    """Name of a function in this file that runs a module without the contract: ``(module, work, options)``."""


REGISTRY: tuple[Benchmark, ...] = (
    Benchmark("encode", "Document encoding", "`python -m pyserini.encode` (SPLADE document encoder)",
              {"docs": 500, "repeats": 3}, {"docs": 200, "repeats": 2}),
    Benchmark("scaling", "Scaling with corpus size", "none (growth curve)",
              {"collection": "arguana", "sizes": (1000, 2000, 5000), "repeats": 2, "max_queries": 300},
              {"collection": "cranfield", "sizes": (500, 1000), "repeats": 1}),
    Benchmark("indexing", "Indexing time", "Anserini `IndexCollection` (JsonVectorCollection, -impact -pretokenized)",
              {"collections": ("scifact", "arguana"), "repeats": 3}, {"collections": ("scifact",), "repeats": 1},
              adapter="_adapt_indexing"),
    Benchmark("search", "Search throughput", "Pyserini `LuceneImpactSearcher.batch_search`",
              {"collections": ("scifact", "arguana"), "repeats": 3}, {"collections": ("scifact",), "repeats": 1},
              adapter="_adapt_search"),
    Benchmark("slim", "SLIM refinement", "Pyserini `SlimSearcher`", {"collection": "scifact", "repeats": 3},
              {"collection": "scifact", "repeats": 1}, adapter="_adapt_slim"),
    Benchmark("fusion", "Fusion overhead", "Pyserini's fusion code (HybridSearcher, reciprocal_rank_fusion)",
              {"collection": "scifact", "repeats": 3}, {"collection": "scifact", "repeats": 2},
              adapter="_adapt_fusion"),
    Benchmark("inference_free", "Inference-free query encoding", "Pyserini `TokFreqQueryEncoder` / "
              "`SpladeQueryEncoder`", {"collections": ("scifact", "arguana"), "repeats": 3},
              {"collections": ("scifact",), "repeats": 1}, adapter="_adapt_inference_free"),
    Benchmark("load", "Load (10,000 queries)", "none (memory under load)", {"heap": "1g"}, {"heap": "1g"},
              adapter="_adapt_load"),
    Benchmark("lucene_versions", "Lucene 9 vs Lucene 10", "the same benchmarks on Lucene 9.9.1 (Pyserini 1.6.0)",
              {"collections": ("scifact", "arguana"), "repeats": 3}, {"collections": ("scifact",), "repeats": 1}),
    Benchmark("scale", "Search at a million documents", "Anserini `SimpleImpactSearcher` and BMP 0.2.8 (exact and "
              "approximate), same vectors, same run", {}, {"sizes": (20_000, 100_000), "per_collection": 20,
                                                           "leak_queries": 2_000}),
)


def registry() -> dict[str, Benchmark]:
    names = [b.name for b in REGISTRY]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate benchmark names in REGISTRY: {names}")
    return {b.name: b for b in REGISTRY}


def available(bench: Benchmark, folder: Path = REPO / "benchmarks") -> bool:
    return (folder / f"{bench.name}.py").is_file()


# ------------------------------------------------------------------------------------------------ adapters
# Each returns the module's own result plus ``ratios`` (label -> anchor cost / our cost, >1 means faster) and
# ``markdown`` when the module has no ``markdown`` function.

def _adapt_indexing(module: Any, work: Path, options: dict[str, Any]) -> dict[str, Any]:
    (work / "shared").mkdir(parents=True, exist_ok=True)
    result = module.benchmark_indexing(tuple(options["collections"]), repeats=options["repeats"],
                                       work=work / "shared")
    names = [c for c in options["collections"] if c in result]
    result["ratios"] = {f"indexing {c}": result[c]["speedup"] for c in names}
    rows = ["| collection | docs | plugin s | Anserini s (1 file) | Anserini s (split) | speedup | split speedup "
            "| size ratio | identical postings |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for c in names:
        r = result[c]
        rows.append(f"| {c} | {r['documents']:,} | {r['seconds']['plugin']:.2f} | {r['seconds']['anserini']:.2f} | "
                    f"{r['seconds']['anserini_split']:.2f} | {r['speedup']:.2f}x | {r['speedup_split']:.2f}x | "
                    f"{r['size_ratio']:.3f} | {r['identical_postings']} |")
    result["markdown"] = (f"{result['threads']} threads, median of {result['repeats']} alternated runs, same JVM.\n\n"
                          + "\n".join(rows) + "\n")
    result["command"] = "PYTHONPATH=. python -m benchmarks.indexing"
    return result


def _adapt_search(module: Any, work: Path, options: dict[str, Any]) -> dict[str, Any]:
    result = module.benchmark_search(tuple(options["collections"]), repeats=options["repeats"], work=work / "shared")
    names = [c for c in options["collections"] if c in result]
    result["ratios"] = {f"search {c}": result[c]["speedup"] for c in names}
    rows = ["| collection | queries | plugin q/s | Pyserini q/s (hits in Python) | Pyserini q/s (Java call) | "
            "speedup | same ranking |", "|---|---:|---:|---:|---:|---:|---|"]
    for c in names:
        r = result[c]
        qps = r["queries_per_s"]
        rows.append(f"| {c} | {r['queries']:,} | {qps['plugin']:.0f} | {qps['pyserini']:.0f} | "
                    f"{qps['pyserini_java']:.0f} | {r['speedup']:.2f}x | {r['same_ranking']['pyserini']}/"
                    f"{r['same_ranking']['of']} |")
    result["markdown"] = (f"k={result['k']}, {result['threads']} threads, median of {result['repeats']} alternated "
                          "runs after a warm-up round.\n\n" + "\n".join(rows) + "\n")
    result["command"] = "PYTHONPATH=. python -m benchmarks.search"
    return result


def _adapt_slim(module: Any, work: Path, options: dict[str, Any]) -> dict[str, Any]:
    result = module.measure(options["collection"], work / "slim" / options["collection"], repeats=options["repeats"])
    result["ratios"] = {"SLIM refine (wall)": result["speedup"], "SLIM refine (CPU)": result["cpu_speedup"],
                        "SLIM peak RSS": result["memory_ratio"]}
    result["command"] = f"python benchmarks/slim.py --collection {options['collection']}"
    return result


def _adapt_fusion(module: Any, work: Path, options: dict[str, Any]) -> dict[str, Any]:
    folder = work / "pipeline" / options["collection"]
    module.prepare(options["collection"], folder)
    result = module.benchmark(options["collection"], str(folder), repeats=options["repeats"])
    ours = result["fusion"]["impact+dense rrf"]["ms_per_query"]["wall"]
    theirs = result["pyserini_fusion_ms_per_query"]["fusion.reciprocal_rank_fusion (impact+dense)"]["wall"]
    result["ratios"] = {"fusion RRF (impact+dense)": theirs / ours}
    result["command"] = f"python benchmarks/fusion.py {options['collection']}"
    return result


def _adapt_inference_free(module: Any, work: Path, options: dict[str, Any]) -> dict[str, Any]:
    result = module.benchmark(None, tuple(options["collections"]), repeats=options["repeats"])
    ratios = {}
    for name, data in result["collections"].items():
        rows = data["rows"]
        ours = rows["inference-free (this tool), one query per call"]["wall_ms"]
        if "tok-freq (Pyserini), one query per call" in rows:
            ratios[f"inference-free {name} vs tok-freq"] = rows["tok-freq (Pyserini), one query per call"]["wall_ms"] / ours
        if "SPLADE-tiny (Pyserini), one query per call" in rows:
            ratios[f"inference-free {name} vs SPLADE query"] = (
                rows["SPLADE-tiny (Pyserini), one query per call"]["wall_ms"] / ours)
    result["ratios"] = ratios
    result["command"] = "python benchmarks/inference_free.py"
    return result


def _adapt_load(module: Any, work: Path, options: dict[str, Any]) -> dict[str, Any]:
    result = module.run(work / "load", options["heap"], pipeline=work / "shared" / "scifact")
    rows = ["| queries | queries/s | wall s | peak RSS MB |", "|---:|---:|---:|---:|"]
    for n in ("1000", "10000"):
        r = result[n]
        rows.append(f"| {int(n):,} | {r['queries_per_s']:.0f} | {r['wall_s']} | {r['peak_rss_mb']} |")
    result["markdown"] = (f"`lsr-lucene search` (k=1000, 2 threads, heap {result['heap']}) in a child process; "
                          f"peak RSS grows by {result['peak_growth_mb']} MB from 1,000 to 10,000 queries.\n\n"
                          + "\n".join(rows) + "\n")
    result["command"] = "python benchmarks/load.py"
    return result


# ------------------------------------------------------------------------------------------------ running

def run_one(bench: Benchmark, work: Path, quick: bool) -> dict[str, Any]:
    """Run ``bench`` in this process and return its result with harness figures under ``harness``."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("OPENAI_API_KEY", "unused")  # anything importing pyserini.encode/search needs it
    options = dict(bench.options, **(bench.quick if quick else {}))
    module = importlib.import_module(f"benchmarks.{bench.name}")
    load_before, started, cpu = os.getloadavg(), time.perf_counter(), time.process_time()
    if bench.adapter:
        result = globals()[bench.adapter](module, work, options)
    else:
        result = module.run(work, **options)
    self_usage, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    result["harness"] = {"wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
                         "load_before": list(load_before), "load_after": list(os.getloadavg()),
                         "peak_rss_mb": self_usage.ru_maxrss / 1024, "children_peak_rss_mb": children.ru_maxrss / 1024,
                         "quick": quick, "options": {k: list(v) if isinstance(v, tuple) else v
                                                      for k, v in options.items()}}
    return result


def result_path(work: Path, name: str) -> Path:
    return work / RESULTS / f"{name}.json"


def spawn(bench: Benchmark, work: Path, quick: bool) -> bool:
    """Run ``bench`` in a child process; True when it left its result file."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    args = [sys.executable, __file__, "--child", bench.name, "--work", str(work)] + (["--quick"] if quick else [])
    done = subprocess.run(args, env=env, cwd=REPO)
    return done.returncode == 0 and result_path(work, bench.name).is_file()


def machine() -> dict[str, Any]:
    import torch

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory, 1), "python": platform.python_version(),
            "torch": torch.__version__, "platform": platform.platform()}


# ------------------------------------------------------------------------------------------------ report

def section_markdown(bench: Benchmark, result: dict[str, Any]) -> str:
    """One section of BENCHMARKS.md: what is compared, the command, load and memory, the module's own table."""
    h = result.get("harness", {})
    body = result["markdown"] if "markdown" in result else importlib.import_module(f"benchmarks.{bench.name}").markdown(
        result)
    lines = [f"## {bench.title}", "", f"Anchor: {bench.anchor}.", ""]
    if result.get("command"):
        lines += [f"Command: `{result['command']}`", ""]
    if h:
        lines += [f"Harness: {h['wall_s']:.0f} s wall, {h['cpu_s']:.0f} s CPU (this process), load average "
                  f"{h['load_before'][0]:.1f} before / {h['load_after'][0]:.1f} after (2 cores, shared); peak RSS "
                  f"{h['peak_rss_mb']:.0f} MB (harness process), {h['children_peak_rss_mb']:.0f} MB (largest child)"
                  + (", quick mode" if h.get("quick") else "") + ".", ""]
    lines.append(body.strip())
    if result.get("ratios"):
        lines += ["", "Ratios (anchor cost / lsr-lucene cost; >1 means lsr-lucene is faster or smaller): "
                  + ", ".join(f"{k} **{v:.2f}x**" for k, v in result["ratios"].items()) + "."]
    return "\n".join(lines) + "\n"


def ratios_chart(results: dict[str, dict[str, Any]], path: Path) -> Path | None:
    """Horizontal bars of every ratio (log scale, line at 1x); None when no result has ratios."""
    pairs = [(label, value) for r in results.values() for label, value in r.get("ratios", {}).items()]
    if not pairs:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.45 * len(pairs) + 1.2))
    labels, values = zip(*pairs)
    ax.barh(range(len(pairs)), values, color=["tab:green" if v >= 1 else "tab:red" for v in values])
    ax.set_yticks(range(len(pairs)), labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1, color="black", linewidth=0.8)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.2f}x", va="center", fontsize=8)
    ax.set_xlabel("anchor cost / lsr-lucene cost (log scale; >1 = lsr-lucene better)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def report(results: dict[str, dict[str, Any]], info: dict[str, Any], skipped: dict[str, str],
           chart: str | None) -> str:
    """BENCHMARKS.md: machine, headline ratios, chart, one section per benchmark that has a result."""
    benches = registry()
    lines = ["# Benchmarks", "",
             "Generated by `PYTHONPATH=. python benchmarks/run.py` (`--quick` for a smaller run); every ratio is "
             "measured side by side in one run on the same machine, alternating the two sides where the module "
             "does so. Numbers on a shared, loaded machine are noisy: compare CPU seconds as well as wall time.", "",
             f"Machine: {info.get('cpu')}, {info.get('cores')} cores, {info.get('memory_gib')} GiB RAM; Python "
             f"{info.get('python')}, torch {info.get('torch')}; run at {info.get('date', '?')}"
             + (f"; this run ({info['ran']}) took {info['minutes']:.1f} minutes" if "minutes" in info else "")
             + ".", ""]
    headline = [(k, v) for r in results.values() for k, v in r.get("ratios", {}).items()]
    if headline:
        lines += ["| comparison | ratio vs anchor |", "|---|---:|"]
        lines += [f"| {k} | {v:.2f}x |" for k, v in headline]
        lines.append("")
    if chart:
        lines += [f"![ratios]({chart})", ""]
    for name, reason in skipped.items():
        lines.append(f"- `{name}`: skipped ({reason}).")
    if skipped:
        lines.append("")
    for name, result in results.items():
        lines.append(section_markdown(benches[name], result))
    if OUTSIDE.is_file():  # hand-kept sections of benchmarks the harness does not run
        lines.append(OUTSIDE.read_text(encoding="utf-8"))
    return "\n".join(lines).rstrip() + "\n"


def load_results(work: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    found = {}
    for name in names:
        path = result_path(work, name)
        if path.is_file():
            found[name] = json.loads(path.read_text(encoding="utf-8"))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs and fewer repeats")
    parser.add_argument("--only", nargs="+", default=None, help="run only these benchmarks (others keep their "
                        "previous results in the report)")
    parser.add_argument("--report-only", action="store_true", help="rebuild BENCHMARKS.md from saved results")
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from lsr_lucene.io.atomic import write_text

    benches = registry()
    if args.child:
        result = run_one(benches[args.child], args.work, args.quick)
        write_text(result_path(args.work, args.child), json.dumps(result, indent=1, default=str))
        return 0
    unknown = set(args.only or []) - set(benches)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; known: {sorted(benches)}")
    skipped: dict[str, str] = {}
    run_started = time.perf_counter()
    for name, bench in benches.items():
        if not available(bench):
            skipped[name] = f"benchmarks/{name}.py is not in this checkout"
            print(f"[run] {name}: skipped, benchmarks/{name}.py not found", file=sys.stderr)
            continue
        if args.report_only or (args.only and name not in args.only):
            continue
        print(f"[run] {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        ok = spawn(bench, args.work, args.quick)
        print(f"[run] {name}: {'done' if ok else 'FAILED'} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        if not ok:
            skipped[name] = "failed in this run; see the log above" + (
                " (an older result is shown below)" if result_path(args.work, name).is_file() else "")
    results = load_results(args.work, [n for n in benches if available(benches[n])])
    info = dict(machine(), date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    last_run = args.work / RESULTS / "_run.json"  # how long the last run took, kept for --report-only
    if not args.report_only:
        ran = [name for name in benches if available(benches[name]) and not (args.only and name not in args.only)]
        write_text(last_run, json.dumps({"minutes": (time.perf_counter() - run_started) / 60, "ran": ", ".join(ran),
                                         "date": info["date"]}))
    if last_run.is_file():
        info.update(json.loads(last_run.read_text(encoding="utf-8")))
    chart = ratios_chart(results, args.out.parent / "benchmarks" / "ratios.png")
    text = report(results, info, skipped, str(chart.relative_to(args.out.parent)) if chart else None)
    write_text(args.out, text)
    print(f"[run] wrote {args.out}" + (f" and {chart}" if chart else ""), file=sys.stderr)
    return 0 if not [s for s in skipped.values() if s.startswith("failed")] else 1


if __name__ == "__main__":
    sys.exit(main())
