"""Options shared by several commands, and the configs they build."""

from __future__ import annotations

import argparse
from typing import Any

from ..device import check_spec
from ..encoding.stages.sparse import EncodeConfig, EncodeSettings
from ..errors import ConfigError
from ..quantize import QuantizationConfig

DEFAULT_MODEL = "splade-tiny"

def _device_spec(text: str) -> str:
    try:
        return check_spec(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_device_option(parser: Any, default: str | None = "auto", what: str = "the model") -> None:
    """``--device auto|cpu|cuda|cuda:N`` on ``parser`` (or an argument group)."""
    parser.add_argument("--device", type=_device_spec, default=default, metavar="{auto,cpu,cuda,cuda:N}",
                        help=f"device of {what}: auto takes the first CUDA GPU when torch sees one, else the CPU" +
                             ("" if default else " (default: the config's device, auto unless it says otherwise)"))


def add_batch_size_option(parser: Any) -> None:
    parser.add_argument("--batch-size", type=int, default=None,
                        help="texts per batch (default: 32 on the CPU, 256 on CUDA)")


def add_model_options(parser: argparse.ArgumentParser, repeatable: bool = False) -> None:
    group = parser.add_argument_group("encoder")
    model_help = "registered name (splade-tiny), local checkpoint folder, or Hugging Face hub name"
    if repeatable:
        group.add_argument("--model", action="append", default=None,
                           help=f"{model_help}; repeat it to compare several models (default: {DEFAULT_MODEL})")
    else:
        group.add_argument("--model", default=DEFAULT_MODEL, help=model_help)
    group.add_argument("--max-length", type=int, default=512, help="tokens per document (longer ones are truncated "
                       "and counted)")
    group.add_argument("--no-expansion", action="store_true",
                       help="keep only each text's own tokens (term weighting, no expansion)")
    group.add_argument("--dtype", choices=("bf16", "bf16-all", "fp32"), default="bf16",
                       help="bf16: vocabulary projection in bfloat16 (fast); bf16-all: transformer too; "
                            "fp32: reference")
    add_batch_size_option(group)
    group.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    add_device_option(group)
    quant = parser.add_argument_group("quantization")
    quant.add_argument("--scale", type=float, default=100.0, help="impact = round(weight * scale)")
    quant.add_argument("--max-impact", type=int, default=1000, help="clip impacts to this maximum")
    quant.add_argument("--top-k", type=int, default=None, help="keep the k largest weights per vector")
    quant.add_argument("--threshold", type=float, default=0.0, help="drop weights <= threshold")


def encode_config(args: argparse.Namespace, max_length: int | None = None, model: str | None = None) -> EncodeConfig:
    quant = QuantizationConfig(args.scale, args.max_impact, args.top_k, args.threshold)
    return EncodeConfig(model or args.model, max_length or args.max_length, not args.no_expansion, args.dtype, quant)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shard-size", type=int, default=10_000, help="documents per output shard")
    parser.add_argument("--gzip", action="store_true", help="gzip the output shards")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def encode_settings(args: argparse.Namespace) -> EncodeSettings:
    return EncodeSettings(args.batch_size, args.threads, args.shard_size, args.gzip, not args.quiet, args.device)


def add_collection_options(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--collection", required=required,
                        help="short name (scifact, arguana, cranfield, ...), BEIR folder, JSONL/TSV docs file, "
                             "or ir_datasets id (irds:beir/scifact/test)")
    parser.add_argument("--split", default="test", help="qrels split whose queries are used")
    parser.add_argument("--on-bad-input", choices=("fail", "skip"), default="fail",
                        help="fail at the first bad record, or skip bad records and list them in skipped.json")


def add_remove_query(parser: argparse.ArgumentParser) -> None:
    flag = parser.add_mutually_exclusive_group()
    flag.add_argument("--remove-query", dest="remove_query", action="store_true", default=None,
                      help="drop a hit whose doc id equals its query id (the BEIR convention); without either "
                           "flag, such hits are dropped for BEIR collections (scifact, arguana, ...) and kept for "
                           "others (cranfield, cacm, ...) and for search without --collection")
    flag.add_argument("--keep-query", dest="remove_query", action="store_false",
                      help="keep such hits, even for a BEIR collection")


def add_jvm_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--heap", default=None, help="JVM heap, like 4g (default: $LSR_LUCENE_HEAP or Java's)")


def start_jvm(args: argparse.Namespace) -> None:
    from .. import jvm

    jvm.start(getattr(args, "heap", None))


def add_engine_option(parser: argparse.ArgumentParser) -> None:
    from ..engine import DEFAULT_ENGINE, ENGINES

    parser.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                        help="impact indexing/search by the java/ plugin (direct impacts, bulk batch search) or by "
                             "Anserini (IndexCollection, SimpleImpactSearcher); same index and rankings. plugin "
                             "falls back to anserini, with a warning, when the plugin jar cannot be built")
