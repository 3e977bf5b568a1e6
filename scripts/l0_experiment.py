#!/usr/bin/env python
"""The l0 sparsification experiment at small scale (Shen et al. 2025, arXiv 2504.14839), with a high document
lambda: plain FLOPS against the l0 mask (FLOPS only on documents above ``t`` nonzeros), each with the SPLADE
activation and the l0 activation.

    python scripts/l0_experiment.py [--config configs/train/l0-experiment.toml] [--evaluate scifact arguana]
                                    [--markdown docs/l0-experiment.md]

Each variant is one ``lsr-lucene train`` run of the base config with the regularizer and activation swapped (runs
are resumable and skipped when finished). The table reports, per variant: document nonzeros over the last 10% of
training steps, the held-out (train-split) rerank nDCG@10 and nonzeros at the selected checkpoint, and with
``--evaluate`` the full Lucene pipeline on each collection's test queries (nDCG@10, document nonzeros, FLOPS).
Model selection only ever looks at held-out training queries; test figures are reported, not used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

VARIANTS: dict[str, dict[str, Any]] = {
    "flops": {"document_regularizer.name": "flops", "model.activation": "splade"},
    "l0-mask": {"document_regularizer.name": "l0_mask", "model.activation": "splade"},
    "flops + l0-act": {"document_regularizer.name": "flops", "model.activation": "l0"},
    "l0-mask + l0-act": {"document_regularizer.name": "l0_mask", "model.activation": "l0"},
}


def run_variant(config_path: str, label: str, overrides: dict[str, Any], threshold: int, progress: bool
                ) -> dict[str, Any]:
    from lsr_lucene.training.config import load_config
    from lsr_lucene.training.trainer import train

    changes = dict(overrides)
    base = load_config(config_path)
    changes["name"] = f"{base.name}-{label.replace(' + ', '-').replace(' ', '-')}"
    changes["document_regularizer.params"] = {"threshold": threshold} if overrides.get(
        "document_regularizer.name") == "l0_mask" else {}
    config = load_config(config_path, changes)
    summary_path = config.output_dir() / "summary.json"
    if summary_path.is_file() and json.loads(summary_path.read_text()).get("complete"):
        summary = json.loads(summary_path.read_text())
    else:
        summary = train(config, progress=progress)
    records = [json.loads(line) for line in (config.output_dir() / "log.jsonl").read_text().splitlines()]
    tail = records[-max(1, len(records) // 10):]
    return {"label": label, "config": config, "summary": summary,
            "train_doc_nnz": sum(r["doc_nnz"] for r in tail) / len(tail),
            "train_flops": sum(r["flops"] for r in tail) / len(tail)}


def evaluate(model: str, collection: str, output: Path) -> dict[str, Any]:
    from lsr_lucene import jvm
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings
    from lsr_lucene.pipeline import PipelineConfig, model_name, run_pipeline

    jvm.start()
    report = run_pipeline(PipelineConfig(collection=collection, output=str(output), encode=EncodeConfig(model=model),
                                         settings=EncodeSettings(progress=False), bm25=False), say=lambda s: None)
    impact = report["runs"][model_name(model)]
    return {"ndcg@10": impact["effectiveness"]["nDCG@10"], "doc_nnz": impact["efficiency"]["doc_nnz"],
            "query_nnz": impact["efficiency"]["query_nnz"], "flops": impact["efficiency"]["flops"]}


def table(rows: list[dict[str, Any]], collections: list[str], threshold: int, weight: float) -> str:
    head = ["variant", "train doc nnz (last 10%)", "held-out nDCG@10", "held-out doc nnz"]
    for c in collections:
        head += [f"{c} nDCG@10", f"{c} doc nnz", f"{c} FLOPS"]
    lines = [f"Document lambda {weight:g} (quadratic warm-up), l0-mask threshold t = {threshold}.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        dev = row["summary"]["selected_dev"]
        cells = [row["label"], f"{row['train_doc_nnz']:.0f}", f"{dev['ndcg@10']:.4f}", f"{dev['doc_nnz']:.0f}"]
        for c in collections:
            e = row.get("test", {}).get(c)
            cells += [f"{e['ndcg@10']:.4f}", f"{e['doc_nnz']:.0f}", f"{e['flops']:.2f}"] if e else ["", "", ""]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=str(REPO / "configs/train/l0-experiment.toml"))
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--threshold", type=int, default=None, help="default: the config's l0-mask threshold")
    parser.add_argument("--evaluate", nargs="*", default=[], help="collections to run the full pipeline on")
    parser.add_argument("--markdown", default=None, help="write the table to this file")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    from lsr_lucene.training.config import load_config

    base = load_config(args.config)
    threshold = args.threshold or int(base.document_regularizer.params.get("threshold", 100))
    rows = []
    for label in args.variants:
        row = run_variant(args.config, label, VARIANTS[label], threshold, not args.quiet)
        row["test"] = {}
        for collection in args.evaluate:
            out = row["config"].output_dir() / "eval" / collection
            row["test"][collection] = evaluate(row["summary"]["model"], collection, out)
        rows.append(row)
        print(table(rows, args.evaluate, threshold, base.document_regularizer.weight), flush=True)
    text = table(rows, args.evaluate, threshold, base.document_regularizer.weight)
    if args.markdown:
        Path(args.markdown).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
