"""What ``lsr-lucene run`` does (PipelineConfig) and where each stage writes (Paths)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..encoding.stages.dense import DenseEncodeConfig
from ..encoding.stages.settings import EncodeSettings
from ..encoding.stages.sparse import EncodeConfig
from ..errors import ConfigError
from ..evaluation.measures import DEFAULT_MEASURES

HYBRID_SYSTEMS = ("dense", "bm25")
REFINERS = ("slim",)


@dataclass(frozen=True)
class PipelineConfig:
    collection: str = "scifact"
    output: str | None = None
    """Default: ``outputs/<collection>``; BM25, dense and each model's stages are reused by later runs there."""
    split: str = "test"
    encode: EncodeConfig = EncodeConfig()
    """Encoder settings of every sparse model (max length, dtype, quantization); its model is the default one."""
    models: tuple[str, ...] | None = None
    """The learned sparse models compared (None: ``encode.model`` alone)."""
    refine: str | None = None
    """``slim``: also re-rank each model's top ``slim_candidates`` hits by late interaction (SLIM)."""
    hybrid: tuple[str, ...] = ()
    """Systems fused with each model: ``dense`` (faiss over ``dense``'s model) and/or ``bm25``."""
    dense: DenseEncodeConfig = DenseEncodeConfig()
    query_max_length: int = 512
    settings: EncodeSettings = EncodeSettings()
    k: int = 1000
    search_threads: int = 2
    index_threads: int = 2
    engine: str = "plugin"
    """Impact indexing and search: ``plugin`` (java/, falls back to ``anserini`` when unavailable) or ``anserini``."""
    bm25: bool = True
    impact: bool = True
    remove_query_hits: bool | None = None
    """None: the collection's default (on for BEIR, off for classic collections)."""
    bad_input: str = "fail"
    measures: tuple[str, ...] = DEFAULT_MEASURES
    slim_candidates: int = 100

    def __post_init__(self) -> None:
        unknown = [s for s in self.hybrid if s not in HYBRID_SYSTEMS]
        if unknown:
            raise ConfigError(f"--hybrid takes {', '.join(HYBRID_SYSTEMS)} (comma-separated), got {unknown[0]!r}")
        if self.refine is not None and self.refine not in REFINERS:
            raise ConfigError(f"--refine takes {', '.join(REFINERS)}, got {self.refine!r}")
        if (self.hybrid or self.refine) and not self.impact:
            raise ConfigError("--hybrid and --refine need the learned sparse runs (drop --bm25-only)")
        names = [model_name(m) for m in self.model_list()]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ConfigError(f"two models would share the name {twice[0]!r} in the output folder; give each "
                              "--model a distinct folder name")

    def model_list(self) -> tuple[str, ...]:
        return self.models if self.models else (self.encode.model,)

    def output_dir(self) -> Path:
        if self.output:
            return Path(self.output)
        return Path("outputs") / Path(self.collection).name.split(".")[0]


def model_name(model: str) -> str:
    """A model's name in run names and folders: its folder's name (a trained ``.../<name>/model`` by ``<name>``)."""
    path = Path(model)
    name = path.parent.name if path.name == "model" and path.parent.name else path.name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name) or "model"


@dataclass
class Paths:
    """Where each stage writes inside the output folder."""

    root: Path
    bm25_index: Path = field(init=False)
    dense_vectors: Path = field(init=False)
    dense_index: Path = field(init=False)

    def __post_init__(self) -> None:
        self.bm25_index = self.root / "bm25" / "index"
        self.dense_vectors = self.root / "dense" / "vectors"
        self.dense_index = self.root / "dense" / "index"

    def model(self, name: str) -> Path:
        """A sparse model's folder: ``vectors/``, ``index/``, ``queries-<split>/`` and SLIM's token stores."""
        return self.root / name

    def run(self, split: str, name: str) -> Path:
        return self.root / "runs" / split / f"{name}.trec"
