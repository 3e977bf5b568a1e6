"""Teachers: score every (query, candidate) pair once, before training; an ensemble is a weighted sum of each
teacher's normalized scores (Geng et al. 2024 combine dense and sparse teachers this way).

- ``bm25``: the Lucene BM25 score of the candidate list (``negatives.py``).
- ``dense``: cosine similarity of a sentence-transformers model's embeddings (all-MiniLM-L6-v2), documents embedded
  once per corpus and cached as ``.npy``.
- ``splade``: dot product of a SPLADE checkpoint's vectors (this project's encoder), cached as sparse ``.npz``.

The dense and SPLADE teachers also search the whole corpus (``search``), so that their own top documents can join a
query's candidates (``DataConfig.candidates``).

Normalization, per query over its candidates: ``zscore`` (mean 0, standard deviation 1), ``minmax`` (0..1), or
``none``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ConfigError
from ..registry import Registry

TEACHERS: Registry[Callable[..., Any]] = Registry("teacher")
NORMALIZATIONS = ("zscore", "minmax", "none")


def _key(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def _cached(path: Path, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """``compute()``, saved to ``path`` (.npy, written atomically) and read back on later calls."""
    from ..io.atomic import atomic_open

    if path.is_file():
        return np.load(path, allow_pickle=False)
    array = compute()
    with atomic_open(path, "wb") as out:
        np.save(out, array, allow_pickle=False)
    return array


class MatrixTeacher:
    """A teacher whose scores are dot products of document and query representations (one row per text): it scores
    given candidates, and searches the whole corpus for them."""

    def documents(self, corpus_key: str, doc_texts: Sequence[str], cache_dir: Path, progress: bool) -> Any:
        raise NotImplementedError

    def queries(self, texts: Sequence[str], cache_dir: Path, progress: bool) -> Any:
        raise NotImplementedError

    def score(self, corpus_key: str, doc_ids: Sequence[str], doc_texts: Sequence[str], queries: Sequence[str],
              candidates: Sequence[Sequence[int]], cache_dir: Path, progress: bool = True) -> list[np.ndarray]:
        """Per query, the scores of its candidates (indexes into ``doc_ids``)."""
        docs = self.documents(corpus_key, doc_texts, cache_dir, progress)
        query_rows = self.queries(queries, cache_dir, progress)
        return [_dense(docs[np.asarray(c, dtype=np.int64)] @ query_rows[i].T).ravel().astype(np.float32)
                for i, c in enumerate(candidates)]

    def search(self, corpus_key: str, doc_ids: Sequence[str], doc_texts: Sequence[str], queries: Sequence[str],
               depth: int, cache_dir: Path, progress: bool = True, chunk: int = 256) -> list[np.ndarray]:
        """Per query, the indexes of its ``depth`` best documents, best first."""
        docs = self.documents(corpus_key, doc_texts, cache_dir, progress)
        query_rows = self.queries(queries, cache_dir, progress)
        depth = min(depth, len(doc_ids))
        out = []
        for start in range(0, len(queries), chunk):
            scores = _dense(query_rows[start:start + chunk] @ docs.T)
            top = np.argpartition(-scores, depth - 1, axis=1)[:, :depth]
            order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
            out.extend(np.take_along_axis(top, order, axis=1))
        return out


def _dense(matrix: Any) -> np.ndarray:
    return np.asarray(matrix.todense()) if hasattr(matrix, "todense") else np.asarray(matrix)


class DenseTeacher(MatrixTeacher):
    """Cosine similarity of a sentence-transformers model on ``device``, run under half-precision autocast
    (bfloat16; float16 on a GPU without it)."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", max_length: int = 512, batch_size: int = 64,
                 device: Any = "auto") -> None:
        from sentence_transformers import SentenceTransformer

        from ..device import resolve_device
        from ..models import resolve_model

        self.name = model
        self.device = resolve_device(device)
        self.model = SentenceTransformer(resolve_model(model), device=str(self.device))
        self.model.max_seq_length = min(max_length, self.model.max_seq_length or max_length)
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        import torch

        from ..device import half_dtype

        with torch.inference_mode(), torch.autocast(self.device.type, dtype=half_dtype(self.device)):
            out = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=progress)
        return np.asarray(out, dtype=np.float32)

    def documents(self, corpus_key: str, doc_texts: Sequence[str], cache_dir: Path, progress: bool) -> np.ndarray:
        name = _key(self.name, self.model.max_seq_length, corpus_key, len(doc_texts))
        return _cached(cache_dir / "teachers" / f"dense-docs-{name}.npy", lambda: self.embed(doc_texts, progress))

    def queries(self, texts: Sequence[str], cache_dir: Path, progress: bool) -> np.ndarray:
        name = _key(self.name, self.model.max_seq_length, *texts)
        return _cached(cache_dir / "teachers" / f"dense-queries-{name}.npy", lambda: self.embed(texts, progress))


class SpladeTeacher(MatrixTeacher):
    """Dot product of a SPLADE checkpoint's float vectors (this project's encoder), texts cut at ``max_length``
    tokens, on ``device``; vectors kept as sparse matrices (``.npz``) in the cache."""

    def __init__(self, model: str = "splade-tiny", max_length: int = 512, device: Any = "auto") -> None:
        from ..encoding.encoders.splade import SpladeEncoder

        self.name = model
        self.max_length = max_length
        self.encoder = SpladeEncoder(model, dtype="bf16", device=device)

    def _matrix(self, texts: Sequence[str], progress: bool) -> Any:
        from scipy import sparse

        from ..streams import progress as bar

        rows = []
        with bar(desc=f"splade teacher {os.path.basename(self.name)}", total=len(texts), unit=" text",
                 enabled=progress) as tracker:
            for start in range(0, len(texts), 512):
                chunk = list(texts[start:start + 512])
                rows.extend(self.encoder.encode(chunk, max_length=self.max_length))
                tracker.update(len(chunk))
        indptr = np.cumsum([0] + [len(r.ids) for r in rows])
        ids = np.concatenate([r.ids for r in rows]) if rows else np.zeros(0, np.int32)
        weights = np.concatenate([r.weights for r in rows]) if rows else np.zeros(0, np.float32)
        return sparse.csr_matrix((weights, ids, indptr), shape=(len(rows), self.encoder.vocab_size))

    def _cached_matrix(self, path: Path, texts: Sequence[str], progress: bool) -> Any:
        from scipy import sparse

        from ..io.atomic import atomic_open

        if path.is_file():
            return sparse.load_npz(path)
        matrix = self._matrix(texts, progress)
        with atomic_open(path, "wb") as out:
            sparse.save_npz(out, matrix)
        return matrix

    def documents(self, corpus_key: str, doc_texts: Sequence[str], cache_dir: Path, progress: bool) -> Any:
        name = _key(self.name, self.max_length, corpus_key, len(doc_texts))
        return self._cached_matrix(cache_dir / "teachers" / f"splade-docs-{name}.npz", doc_texts, progress)

    def queries(self, texts: Sequence[str], cache_dir: Path, progress: bool) -> Any:
        name = _key(self.name, self.max_length, *texts)
        return self._cached_matrix(cache_dir / "teachers" / f"splade-queries-{name}.npz", texts, progress)


TEACHERS.register("dense", DenseTeacher)
TEACHERS.register("splade", SpladeTeacher)
TEACHERS.register("bm25", None)  # scores come with the BM25 candidates


def make_teacher(name: str, model: str | None = None, max_length: int = 512, device: Any = "auto") -> MatrixTeacher:
    """The registered teacher ``name`` (``model``: its checkpoint, else the teacher's default) on ``device``."""
    factory = TEACHERS.get(name)
    if factory is None:
        raise ConfigError(f"teacher {name!r} has no model to load (its scores come with the candidates)")
    return factory(model, max_length, device=device) if model else factory(max_length=max_length, device=device)


def normalize(scores: np.ndarray, method: str) -> np.ndarray:
    """One query's candidate scores normalized by ``method`` (see the module docstring)."""
    scores = np.asarray(scores, dtype=np.float64)
    if method == "none" or scores.size == 0:
        return scores
    if method == "zscore":
        std = scores.std()
        return (scores - scores.mean()) / std if std > 0 else scores * 0.0
    if method == "minmax":
        span = scores.max() - scores.min()
        return (scores - scores.min()) / span if span > 0 else scores * 0.0
    raise ConfigError(f"teacher normalization must be one of {NORMALIZATIONS}, got {method!r}")


def ensemble(per_teacher: dict[str, np.ndarray], weights: dict[str, float], method: str) -> np.ndarray:
    """Weighted sum of the normalized scores of each teacher (one query's candidates)."""
    total = None
    for name, scores in per_teacher.items():
        part = weights[name] * normalize(scores, method)
        total = part if total is None else total + part
    if total is None:
        raise ConfigError("a distillation loss needs at least one teacher (data.teachers)")
    return total


def teacher_label(name: str, model: str | None) -> str:
    """The key under which a teacher's scores are stored (``dense:all-MiniLM-L6-v2``)."""
    return name if model is None else f"{name}:{os.path.basename(str(model).rstrip('/'))}"
