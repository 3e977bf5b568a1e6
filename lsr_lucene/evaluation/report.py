"""One report per pipeline run: a JSON file with every figure and a Markdown table that reads at a glance."""

from __future__ import annotations

import json
import os
from typing import Any

from ..io.atomic import write_text

EFFICIENCY = (("query_nnz", "q nnz", "{:.1f}"), ("doc_nnz", "d nnz", "{:.1f}"), ("flops", "FLOPS", "{:.2f}"),
              ("index_mb", "index MB", "{:.1f}"), ("encode_docs_per_s", "enc docs/s", "{:.1f}"),
              ("queries_per_s", "q/s", "{:.1f}"))


def _cell(value: Any, fmt: str) -> str:
    return fmt.format(value) if isinstance(value, (int, float)) else "–"


def markdown_table(runs: dict[str, dict[str, Any]]) -> str:
    """One row per run: a column per measure the runs were evaluated with (in order), then the efficiency columns
    (– where a figure does not apply)."""
    measures = list(dict.fromkeys(m for figures in runs.values() for m in figures.get("effectiveness", {})))
    header = ["run", *measures, *(label for _, label, _ in EFFICIENCY)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, figures in runs.items():
        cells = [figures.get("label", name)]
        cells += [_cell(figures.get("effectiveness", {}).get(m), "{:.4f}") for m in measures]
        cells += [_cell(figures.get("efficiency", {}).get(key), fmt) for key, _, fmt in EFFICIENCY]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_report(out_dir: str | os.PathLike, report: dict[str, Any]) -> tuple[str, str]:
    """Write ``report.json`` and ``report.md`` into ``out_dir``; return their paths."""
    json_path = os.path.join(out_dir, "report.json")
    md_path = os.path.join(out_dir, "report.md")
    write_text(json_path, json.dumps(report, indent=2, sort_keys=True) + "\n")
    title = f"# {report.get('collection', '')} ({report.get('split', '')} queries: {report.get('queries', '?')})\n\n"
    write_text(md_path, title + markdown_table(report["runs"]))
    return json_path, md_path
