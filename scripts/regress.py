#!/usr/bin/env python
"""Run a regression recipe from scripts/regressions/<name>.json and compare its report with the expected scores.

    python scripts/regress.py scifact.splade-tiny [--output DIR]
    python scripts/regress.py --list

A recipe holds the ``lsr-lucene run`` arguments, the expected figures per run and a tolerance; exit status 1 when a
figure is off by more than the tolerance. A recipe with ``adapt`` arguments first runs ``lsr-lucene adapt`` with
them into ``<output>/adapted``, and ``{adapted}`` in its run arguments names the adapted model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "regressions"


def load(name: str) -> dict:
    path = HERE / f"{name}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in HERE.glob("*.json")))
        raise SystemExit(f"no regression {name!r}; known: {known}")
    return json.loads(path.read_text())


def compare(recipe: dict, report: dict) -> list[str]:
    """One line per figure that misses its expected value by more than the tolerance."""
    problems = []
    for run, figures in recipe["expected"].items():
        got = report["runs"].get(run, {}).get("effectiveness", {})
        for measure, expected in figures.items():
            value = got.get(measure)
            if value is None or abs(value - expected) > recipe["tolerance"]:
                problems.append(f"{run} {measure}: expected {expected:.4f} +- {recipe['tolerance']}, got {value}")
    return problems


def run(name: str, output: str | None = None) -> tuple[dict, list[str]]:
    from lsr_lucene.cli.main import main

    recipe = load(name)
    out = output or f"outputs/regressions/{name}"
    args = recipe["args"]
    if "adapt" in recipe:
        adapted = str(Path(out) / "adapted")
        code = main(["adapt", *recipe["adapt"], "--output", adapted, "--quiet"])
        if code != 0:
            return {}, [f"lsr-lucene adapt exited with {code}"]
        args = [arg.replace("{adapted}", str(Path(adapted) / "model")) for arg in args]
    code = main(["run", *args, "--output", out, "--quiet"])
    if code != 0:
        return {}, [f"lsr-lucene run exited with {code}"]
    report = json.loads((Path(out) / "report.json").read_text())
    return report, compare(recipe, report)


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", nargs="?")
    parser.add_argument("--output")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list or not args.name:
        for path in sorted(HERE.glob("*.json")):
            print(f"{path.stem}: {json.loads(path.read_text())['description']}")
        return 0
    _, problems = run(args.name, args.output)
    print("\n".join(problems) or f"{args.name}: all figures within tolerance")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(cli())
