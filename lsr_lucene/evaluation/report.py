"""One report per pipeline run: ``report.json`` with every figure, ``report.md`` that reads at a glance and
``report.html``, self-contained (pictures inlined as PNG), for a browser."""

from __future__ import annotations

import base64
import html
import json
import os
from typing import Any

from ..io.atomic import write_text

EFFICIENCY = (("query_nnz", "q nnz", "{:.1f}"), ("doc_nnz", "d nnz", "{:.1f}"), ("flops", "FLOPS", "{:.2f}"),
              ("index_mb", "index MB", "{:.1f}"), ("encode_docs_per_s", "enc docs/s", "{:.1f}"),
              ("ms_per_query", "ms/q", "{:.2f}"))


def _cell(value: Any, fmt: str) -> str:
    return fmt.format(value) if isinstance(value, (int, float)) else "–"


def _rows(runs: dict[str, dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Header and cells: a column per measure the runs were evaluated with (in order), then the efficiency columns
    (– where a figure does not apply)."""
    measures = list(dict.fromkeys(m for figures in runs.values() for m in figures.get("effectiveness", {})))
    header = ["run", *measures, *(label for _, label, _ in EFFICIENCY)]
    rows = []
    for name, figures in runs.items():
        cells = [figures.get("label", name)]
        cells += [_cell(figures.get("effectiveness", {}).get(m), "{:.4f}") for m in measures]
        cells += [_cell(figures.get("efficiency", {}).get(key), fmt) for key, _, fmt in EFFICIENCY]
        rows.append(cells)
    return header, rows


def markdown_table(runs: dict[str, dict[str, Any]]) -> str:
    """One row per run."""
    header, rows = _rows(runs)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines) + "\n"


def _choices(report: dict[str, Any]) -> list[str]:
    """One line per setting chosen by the run (SLIM's alpha, fusion methods and weights) and how."""
    lines = []
    for name, run in report["runs"].items():
        settings = run.get("settings", {})
        if "alpha" in settings:
            lines.append(f"{name}: alpha {settings['alpha']:g} over the top {settings['candidates']} hits "
                         f"({settings['alpha_source']})")
        if "method" in settings:
            weights = "/".join(f"{w:g}" for w in settings["weights"])
            lines.append(f"{name}: {settings['method']}, weights {weights} ({settings['source']})")
    return lines


def _title(report: dict[str, Any]) -> str:
    heldout = report.get("heldout")
    tuning = f"; held-out: {heldout['queries']} queries, {heldout['source']}" if heldout else ""
    return f"{report.get('collection', '')} ({report.get('split', '')} queries: {report.get('queries', '?')}{tuning})"


def markdown(report: dict[str, Any]) -> str:
    choices = _choices(report)
    text = f"# {_title(report)}\n\n" + markdown_table(report["runs"])
    return text + ("\n" + "\n".join(f"- {line}" for line in choices) + "\n" if choices else "")


def _html_table(header: list[str], rows: list[list[str]], css: str = "figures") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table class='{css}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _settings_rows(report: dict[str, Any]) -> list[list[str]]:
    """What ran: the pipeline settings, then each run's own (model, index, method, weights, alpha...)."""
    rows = [["run", key, json.dumps(value)] for key, value in report.get("config", {}).items()]
    for name, run in report["runs"].items():
        rows += [[name, key, json.dumps(value)] for key, value in run.get("settings", {}).items()]
    return rows


def html_report(report: dict[str, Any]) -> str:
    """The report as one HTML page: the table, the choices, the pictures (inline PNG) and the settings."""
    from .plots import PLOTS

    header, rows = _rows(report["runs"])
    sections = [f"<h1>{html.escape(_title(report))}</h1>", _html_table(header, rows)]
    sections += [f"<ul>{''.join(f'<li>{html.escape(c)}</li>' for c in _choices(report))}</ul>"]
    for title, draw in PLOTS:
        png = draw(report)
        if png is not None:
            data = base64.b64encode(png).decode("ascii")
            sections.append(f'<h2>{html.escape(title)}</h2><img class="plot" alt="{html.escape(title)}" '
                            f'src="data:image/png;base64,{data}">')
    sections.append("<h2>What ran</h2>" + _html_table(["scope", "setting", "value"], _settings_rows(report), "settings"))
    style = ("body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:13px}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child"
             "{text-align:left}table.settings td{text-align:left}img.plot{max-width:100%}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(_title(report))}</title>"
            f"<style>{style}</style></head><body>{''.join(sections)}</body></html>\n")


def write_report(out_dir: str | os.PathLike, report: dict[str, Any]) -> dict[str, str]:
    """Write ``report.json``, ``report.md`` and ``report.html`` into ``out_dir``; return their paths by format."""
    paths = {fmt: os.path.join(out_dir, f"report.{fmt}") for fmt in ("json", "md", "html")}
    write_text(paths["json"], json.dumps(report, indent=2, sort_keys=True) + "\n")
    write_text(paths["md"], markdown(report))
    write_text(paths["html"], html_report(report))
    return paths
