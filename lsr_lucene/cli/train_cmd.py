"""``lsr-lucene train CONFIG``: train a SPLADE or inference-free SPLADE-doc encoder from a TOML/JSON config
(resumable: rerun the same command after an interruption)."""

from __future__ import annotations

import argparse
import json

from .options import add_device_option


def _override(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="training config (.toml or .json); examples in configs/train/")
    parser.add_argument("--set", dest="overrides", action="append", type=_override, default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. --set optim.steps=50 --set name=smoke (JSON values)")
    parser.add_argument("--output", default=None, help="output folder (default: outputs/train/<name>)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_device_option(parser, default=None, what="the student and the teachers")


def run(args: argparse.Namespace) -> int:
    from ..training.config import load_config
    from ..training.trainer import train

    overrides = dict(args.overrides)
    if args.output:
        overrides["output"] = args.output
    if args.device:
        overrides["device"] = args.device
    config = load_config(args.config, overrides)
    summary = train(config, progress=not args.quiet)
    print(json.dumps({k: summary[k] for k in ("name", "steps_done", "complete", "selected_step", "model")}
                     | {"selected_dev": summary["selected_dev"], "timings": summary["timings"]}))
    return 0
