"""Domain adaptation of a sparse encoder from a corpus alone (no judgments): ``lsr-lucene adapt`` and
``lsr_lucene.adapt``.

It writes a training config and runs the ordinary trainer (``trainer.py``) on it, so a run resumes, logs and selects
its checkpoint as ``lsr-lucene train`` does:

- **Queries**: pseudo-queries made from the corpus by several strategies (``pseudo_queries.py``: titles, sentences,
  tf-idf keyphrases, and passages whose own document is left out so that they point at *other* documents), and the
  user's own queries when given (a query log without judgments). A large corpus samples ``queries_per_strategy``
  queries per strategy; a small one makes several per document.
- **Candidates**: each query's top ``depth`` from BM25, from the dense teacher (all-MiniLM-L6-v2) and from the
  starting sparse model, joined.
- **Teacher**: the z-scored sum of the three scores (BM25, dense cosine, the starting model's dot product), scaled
  so that it spreads as the starting model's scores do (``DataConfig.scale_teacher``). The starting model's share
  holds the student near where it started; a query without a known positive takes the teacher's best candidate.
- **Loss**: KL distillation over each query's positive and 7 negatives from the teacher's top 15, light FLOPS on
  documents and queries.
- **Selection**: ``agreement@10`` on held-out pseudo-queries (how the model orders the top candidates of the BM25 +
  dense part of the teacher: the starting model's own part would favour the start), never a judgment.

Every default is fixed in advance, the same for every collection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..errors import ConfigError
from ..types import Doc
from .config import TrainConfig, apply_overrides, config_from_dict

STRATEGIES = ("title:others", "sentence:others", "keyphrase:others", "passage:others")
"""The default pseudo-query strategies: ``<generator>``, or ``<generator>:others`` to leave the query's own
document out of its candidates."""
QUERY_LOG_SHARE = 0.5
"""Share of each batch drawn from the user's queries, when given."""
DEV_QUERIES = 24
"""Held-out queries per source for checkpoint selection."""


def _dev_fraction(queries: int) -> float:
    """The held-out fraction that leaves about ``DEV_QUERIES`` of ``queries`` per source, within 2-20%."""
    return min(0.2, max(0.02, DEV_QUERIES / max(1, queries)))


@dataclass(frozen=True)
class AdaptConfig:
    """What ``adapt`` needs; everything else is the fixed recipe of ``train_config``."""

    collection: str
    """A collection name or BEIR folder (its corpus; judgments are never read)."""
    output: str
    model: str = "splade-tiny"
    """The starting model: a SPLADE checkpoint (for ``kind = "inference_free"``: the document encoder's backbone)."""
    kind: str = "splade"
    """``splade`` (Siamese) or ``inference_free`` (SPLADE-doc: queries weigh each token by its IDF)."""
    queries: str | None = None
    """A query log: a JSONL (``_id``, ``text``) or TSV (id, text) file of queries without judgments."""
    strategies: tuple[str, ...] = STRATEGIES
    queries_per_strategy: int = 2000
    steps: int = 300
    max_minutes: float | None = None
    seed: int = 13
    device: str = "auto"
    """Where the student and the teachers run (``auto``: CUDA when present)."""


def _source(collection: str, strategy: str, per_strategy: int, docs: Sequence[Doc]) -> dict[str, Any] | None:
    """The training source of one strategy; None when it makes no query of this corpus (no titles, say)."""
    from .pseudo_queries import SYNTHETIC

    generator, _, mode = strategy.partition(":")
    if mode not in ("", "others"):
        raise ConfigError(f"strategy {strategy!r}: expected <generator> or <generator>:others")
    if next(iter(SYNTHETIC.get(generator)(docs)), None) is None:
        return None
    return {"collection": collection, "synthetic": generator, "exclude_source": mode == "others",
            "per_document": max(1, min(10, math.ceil(per_strategy / max(1, len(docs))))),
            "max_queries": per_strategy}


def train_config(config: AdaptConfig, docs: Sequence[Doc], overrides: dict[str, Any] | None = None,
                 say: Callable[[str], None] = print) -> TrainConfig:
    """The training config of an adaptation to the corpus ``docs``; ``overrides`` maps dotted keys (``optim.lr``)
    to values."""
    if config.kind not in ("splade", "inference_free"):
        raise ConfigError(f"kind must be splade or inference_free, got {config.kind!r}")
    sources = []
    for strategy in config.strategies:
        source = _source(config.collection, strategy, config.queries_per_strategy, docs)
        if source is None:
            say(f"strategy {strategy}: no query from this corpus, left out")
        else:
            sources.append(source)
    if config.queries:
        path = Path(config.queries).resolve()
        if not path.is_file():
            raise ConfigError(f"{config.queries}: no such query file")
        sources.append({"collection": config.collection, "queries": str(path), "qrels": "",
                        "max_queries": config.queries_per_strategy,
                        "weight": QUERY_LOG_SHARE if sources else None})
    if not sources:
        raise ConfigError("nothing to adapt on: give at least one strategy or a query file")
    sparse_teacher = config.model if config.kind == "splade" else "splade-tiny"
    data: dict[str, Any] = {
        "name": f"adapt-{Path(config.collection).name}", "output": config.output, "seed": config.seed,
        "checkpoint_steps": max(1, config.steps // 6), "max_minutes": config.max_minutes, "threads": 2,
        "device": config.device,
        "model": {"kind": config.kind, "backbone": config.model, "activation": "splade", "max_doc_length": 192,
                  "max_query_length": 128},
        "data": {"sources": sources, "negatives": 7, "negatives_depth": 15, "depth": 20,
                 "candidates": ["bm25", "dense", "splade"],
                 "teachers": [{"name": "bm25"}, {"name": "dense", "model": "all-MiniLM-L6-v2"},
                              {"name": "splade", "model": sparse_teacher, "max_length": 256}],
                 "normalization": "zscore", "scale_teacher": True, "dev_metric": "agreement@10",
                 "dev_teachers": ["bm25", "dense"],
                 "dev_fraction": _dev_fraction(min(config.queries_per_strategy, len(docs))),
                 "dev_max_queries": DEV_QUERIES, "dev_depth": 10,
                 "cache_dir": str(Path(config.output) / "cache")},
        "losses": [{"name": "kl_distill", "params": {"temperature": 1.0}}],
        "document_regularizer": {"name": "flops", "weight": 1e-4},
        "query_regularizer": {"name": "flops", "weight": 1e-4 if config.kind == "splade" else 0.0},
        "optim": {"steps": config.steps, "batch_size": 16, "lr": 5e-5, "warmup_steps": max(1, config.steps // 10)},
    }
    apply_overrides(data, overrides or {})
    return config_from_dict(data)


def adapt(collection: str, output: str, model: str = "splade-tiny", kind: str = "splade", queries: str | None = None,
          strategies: tuple[str, ...] = STRATEGIES, queries_per_strategy: int = 2000, steps: int = 300,
          max_minutes: float | None = None, overrides: dict[str, Any] | None = None, progress: bool = True,
          say: Callable[[str], None] = print, device: str = "auto") -> dict[str, Any]:
    """Adapt ``model`` to ``collection``'s corpus (and ``queries``, a query log, when given) on ``device``; the
    training summary. The adapted model is ``<output>/model`` (what ``--model`` takes). Rerunning resumes."""
    from .data import training_collection
    from .trainer import train

    config = AdaptConfig(collection, output, model, kind, queries, tuple(strategies), queries_per_strategy, steps,
                         max_minutes, device=device)
    docs = list(training_collection(collection).docs_iter())
    return train(train_config(config, docs, overrides, say), progress=progress, say=say)
