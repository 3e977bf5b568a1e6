"""``lsr-lucene run``: every system on one collection (BM25, learned sparse models, SLIM, dense, their fusions),
resumable, ending in one report."""

from .config import Paths, PipelineConfig, model_name
from .run import run_pipeline

__all__ = ["Paths", "PipelineConfig", "model_name", "run_pipeline"]
