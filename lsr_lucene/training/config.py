"""``TrainConfig``: everything that determines a training run, read from a small TOML or JSON file.

Unknown keys are refused with their dotted path, so a typo cannot silently fall back to a default. The resolved
config is written next to the checkpoints (``train_config.json``) and a resumed run must match it.

Example (TOML)::

    name = "splade-doc-tiny"
    seed = 13
    [model]
    kind = "inference_free"
    backbone = "splade-tiny"
    [[data.sources]]
    collection = "scifact"
    qrels = "qrels/train.tsv"
    [[losses]]
    name = "kl_distill"
    [document_regularizer]
    name = "l0_mask"
    weight = 1e-3
    params = { threshold = 200 }
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import typing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, with_config

from ..errors import ConfigError, InputFileError

_STRICT = ConfigDict(extra="forbid", strict=True)


@with_config(_STRICT)
@dataclass(frozen=True)
class SourceConfig:
    """Training queries of one collection: judged pairs (``qrels``) or pairs generated from its corpus."""

    collection: str
    """A collection name (``scifact``) or BEIR folder: its corpus is what documents come from."""
    queries: str = "queries.jsonl"
    """Query file, relative to the collection folder."""
    qrels: str = "qrels/train.tsv"
    """Qrels file, relative to the collection folder (test qrels are refused); empty: the queries are unjudged (a
    query log) and each one's positive is its best candidate by the teacher."""
    synthetic: str | None = None
    """A pseudo-query generator (``training/pseudo_queries.py``: ``title``, ``span``, ``sentence``, ``keyphrase``,
    ``passage``, or ``counterargument`` for ArguAna's training debates): make (query, document) pairs from the
    corpus instead of reading qrels."""
    per_document: int = 1
    """Pseudo-queries per document, for generators that can make several."""
    exclude_source: bool = False
    """Leave the document a pseudo-query was made from out of its candidates; the positive is then the teacher's
    best other document."""
    max_queries: int | None = None
    """Use a random subset of this many training queries (after the dev split)."""
    weight: float | None = None
    """Share of each batch drawn from this source (sources without a weight share what is left in proportion to
    their query counts)."""


@with_config(_STRICT)
@dataclass(frozen=True)
class TeacherConfig:
    name: str
    """``bm25``, ``dense`` (a sentence-transformers model) or ``splade`` (a SPLADE checkpoint)."""
    model: str | None = None
    weight: float = 1.0
    max_length: int = 512
    """Tokens per text for the ``splade`` teacher's encoding."""


@with_config(_STRICT)
@dataclass(frozen=True)
class DataConfig:
    sources: tuple[SourceConfig, ...] = ()
    dev_fraction: float = 0.05
    """Fraction of each source's queries held out for model selection (by a hash of the query id)."""
    dev_max_queries: int = 50
    """At most this many held-out queries per source are evaluated."""
    dev_depth: int = 20
    """Held-out queries rerank the BM25 top ``dev_depth`` (plus their positives)."""
    negatives: int = 3
    """Hard negatives per query, drawn from the candidates that are not positives."""
    negatives_depth: int | None = None
    """Draw the hard negatives from the teacher's best ``negatives_depth`` candidates only (None: from all)."""
    depth: int = 50
    """Candidates kept per query from each retriever (hard negatives and teacher scores come from them)."""
    candidates: tuple[str, ...] = ("bm25",)
    """Retrievers whose top ``depth`` are a query's candidates (their union): ``bm25``, and ``dense`` or ``splade``
    (the teacher of that name searches the whole corpus)."""
    teachers: tuple[TeacherConfig, ...] = (TeacherConfig("bm25"), TeacherConfig("dense", "all-MiniLM-L6-v2"))
    normalization: str = "zscore"
    """How each teacher's scores are normalized over a query's candidates before they are summed: zscore, minmax,
    none."""
    scale_teacher: bool = False
    """Multiply the teacher weights so that the ensemble's scores spread as the starting model's do (median
    per-query standard deviation over candidates): KL distillation otherwise shrinks or inflates the student's
    weights to match the teacher's spread (docs/training.md)."""
    dev_metric: str = "ndcg@10"
    """What selects the checkpoint: ``ndcg@10`` of the held-out queries' positives, or ``agreement@10``, the
    nDCG@10 of the model's ranking of their candidates against the teacher's ranking (graded by teacher rank; does
    not saturate when a pseudo-query's own document is trivially first)."""
    dev_teachers: tuple[str, ...] = ()
    """The teachers (by name: ``bm25``, ``dense``, ...) whose ensemble ``agreement@10`` ranks against; empty: all
    of them. Leaving out a teacher that is the starting model keeps selection from favouring the start."""
    cache_dir: str = "outputs/train-cache"
    """Where BM25 indexes, candidates and teacher scores are kept between runs (keyed by what produced them)."""
    seed: int = 0
    """Seed of the dev split, the query subsets and synthetic pairs (kept apart from the training seed)."""


@with_config(_STRICT)
@dataclass(frozen=True)
class ModelConfig:
    kind: str = "inference_free"
    """``splade`` (Siamese) or ``inference_free`` (SPLADE-doc; queries are a token weight table)."""
    backbone: str = "splade-tiny"
    """A registered model, checkpoint folder or hub name: a masked LM, a BERT-type sentence encoder or a causal LM."""
    head: str = "auto"
    """``mlm``, ``tied``, ``causal`` or ``auto`` (from the checkpoint's architecture)."""
    activation: str = "splade"
    """``splade`` = log(1+relu(x)); ``l0`` = log(1+log(1+relu(x)))."""
    query_weights: str = "idf"
    """Inference-free query table: ``idf`` (frozen) or ``learned`` (IDF-initialised, trained)."""
    head_bias_init: float = 0.0
    """Initial per-term bias of a tied head (negative: sparser first vectors)."""
    max_doc_length: int = 256
    max_query_length: int = 64
    precision: str = "bf16"
    """Precision of the candidate-term search in the fast projection (``bf16`` or ``fp32``)."""


@with_config(_STRICT)
@dataclass(frozen=True)
class LossConfig:
    name: str
    weight: float = 1.0
    params: dict = field(default_factory=dict)


@with_config(_STRICT)
@dataclass(frozen=True)
class RegularizerConfig:
    name: str = "flops"
    weight: float = 0.0
    """Final lambda (reached after ``warmup_steps`` with a quadratic warm-up); 0 disables the term."""
    warmup_steps: int | None = None
    """Default: one third of the training steps."""
    params: dict = field(default_factory=dict)


@with_config(_STRICT)
@dataclass(frozen=True)
class OptimConfig:
    steps: int = 1000
    batch_size: int = 32
    """Queries per step (each with one positive and ``data.negatives`` negatives)."""
    lr: float = 2e-5
    query_table_lr: float = 1e-3
    """Learning rate of a learned inference-free query table."""
    warmup_steps: int = 100
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0


@with_config(_STRICT)
@dataclass(frozen=True)
class TrainConfig:
    name: str = "sparse"
    output: str | None = None
    """Default: ``outputs/train/<name>``."""
    seed: int = 13
    model: ModelConfig = ModelConfig()
    data: DataConfig = DataConfig()
    losses: tuple[LossConfig, ...] = (LossConfig("kl_distill"),)
    document_regularizer: RegularizerConfig = RegularizerConfig("flops", 1e-3)
    query_regularizer: RegularizerConfig = RegularizerConfig("flops", 0.0)
    optim: OptimConfig = OptimConfig()
    checkpoint_steps: int = 200
    """Save (and evaluate on the held-out queries) every this many steps, and at the end."""
    keep_checkpoints: int = 2
    max_minutes: float | None = None
    """Stop (saving a checkpoint) once this much wall time has passed in this invocation."""
    threads: int | None = None
    device: str = "auto"
    """Where the student and the teachers run: ``auto`` (CUDA when present), ``cpu``, ``cuda`` or ``cuda:N``; not
    part of the run's identity (a run may resume on another device)."""

    def output_dir(self) -> Path:
        return Path(self.output) if self.output else Path("outputs") / "train" / self.name

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_EXPECTED = {"int_type": "int", "float_type": "float", "string_type": "str", "bool_type": "bool",
             "dict_type": "a table/object", "dataclass_type": "a table/object", "list_type": "a list of tables",
             "tuple_type": "a list of tables"}
_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")


@functools.cache
def _adapter() -> Any:
    import pydantic

    return pydantic.TypeAdapter(TrainConfig)


def _dotted(loc: tuple) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def _fields_at(loc: tuple) -> list[str]:
    """The keys a table at ``loc`` may hold."""
    cls: Any = TrainConfig
    for part in loc:
        if not isinstance(part, int):
            cls = typing.get_type_hints(cls)[part]
            cls = typing.get_args(cls)[0] if typing.get_origin(cls) is tuple else cls
    return sorted(f.name for f in dataclasses.fields(cls))


def _message(errors: list[dict[str, Any]]) -> str:
    """One line for pydantic's errors: unknown keys with the known ones, then wrong values with what was expected."""
    unknown = [e["loc"] for e in errors if e["type"] in _UNKNOWN]
    parts = []
    if unknown:
        parts.append(f"unknown key(s) {', '.join(_dotted(loc) for loc in unknown)}; "
                     f"known: {', '.join(_fields_at(unknown[0][:-1]))}")
    for error in errors:
        if error["type"] not in _UNKNOWN:
            where = _dotted(error["loc"]) or "config"
            expected = _EXPECTED.get(error["type"])
            parts.append(f"{where}: expected {expected}, got {error['input']!r}" if expected
                         else f"{where}: {error['msg']}")
    return "; ".join(parts)


def config_from_dict(data: dict[str, Any]) -> TrainConfig:
    """A ``TrainConfig`` from nested dicts (as read from TOML/JSON), checking keys and types (pydantic, strict: no
    string is read as a number)."""
    import pydantic

    try:
        text = json.dumps(data)
    except TypeError as exc:  # a TOML date or time
        raise ConfigError(f"config: {exc}") from None
    try:
        return _adapter().validate_json(text)  # JSON mode: lists are read as tuples, ints as floats
    except pydantic.ValidationError as exc:
        raise ConfigError(_message(exc.errors(include_url=False))) from None


def load_config(path: str | os.PathLike, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Read a ``.toml`` or ``.json`` config; ``overrides`` maps dotted keys (``optim.steps``) to values."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "no such config file")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            raise InputFileError(path, "config files must end in .toml or .json")
    except (ValueError, json.JSONDecodeError) as exc:
        raise InputFileError(path, f"unreadable config ({exc})") from None
    apply_overrides(data, overrides or {})
    try:
        return config_from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> None:
    """Set each dotted key of ``overrides`` (``optim.lr``) in the raw config ``data``, making missing tables."""
    for key, value in overrides.items():
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {key!r}: {part!r} is not a table")
        node[parts[-1]] = value
