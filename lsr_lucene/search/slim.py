"""SLIM refinement: the first stage's top ``candidates`` hits from the impact index are re-scored by late interaction
over the token store (memory-mapped, keyed by the collection's string ids) and the top ``k`` are returned.

Final score = ``(1 - alpha) * late_interaction + alpha * first_stage``; ``alpha=0`` (default) ranks by late
interaction alone, an exact integer. Ties keep the first stage's order (what Pyserini's ``SlimSearcher`` does).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..engine import DEFAULT_ENGINE
from ..errors import ConfigError, ManifestError
from ..io.token_store import TOKENS, TokenStore, TokenVectors
from ..types import Hit, ImpactVector, Run
from .late_interaction import maxsim_scores
from .base import Searcher


@dataclass(frozen=True)
class RefineConfig:
    candidates: int = 100
    """k': first-stage hits re-scored per query."""
    alpha: float = 0.0
    """Weight of the first-stage score in the final score (0: late interaction only)."""

    def __post_init__(self) -> None:
        if self.candidates < 1:
            raise ConfigError(f"candidates (k') must be >= 1, got {self.candidates}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ConfigError(f"alpha must be between 0 and 1, got {self.alpha}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def refine_hits(hits: Sequence[Hit], query: TokenVectors, store: TokenStore, k: int,
                config: RefineConfig = RefineConfig()) -> list[Hit]:
    """Re-score the first ``config.candidates`` of ``hits`` (first-stage order) and return the best ``k``."""
    hits = list(hits[:config.candidates])
    if not hits:
        return []
    late = maxsim_scores(query, store.gather(store.rows([h.doc_id for h in hits])))
    if config.alpha:
        final = (1.0 - config.alpha) * late + config.alpha * np.array([h.score for h in hits])
    else:
        final = late.astype(np.float64)
    order = np.argsort(-final, kind="stable")[:k]
    return [Hit(hits[i].doc_id, float(final[i])) for i in order.tolist()]


def refine_run(run: Run, queries: Mapping[str, TokenVectors] | Callable[[str], TokenVectors], store: TokenStore,
               k: int, config: RefineConfig = RefineConfig(), threads: int = 1) -> Run:
    """Refine every query of ``run`` (query ids in the run's order), ``threads`` queries at a time."""
    lookup = queries if callable(queries) else queries.__getitem__

    def one(qid: str) -> list[Hit]:
        return refine_hits(run[qid], lookup(qid), store, k, config)

    qids = list(run)
    if threads <= 1:
        return {qid: one(qid) for qid in qids}
    with ThreadPoolExecutor(threads) as pool:
        return dict(zip(qids, pool.map(one, qids)))


def query_token_store(queries_dir: str | os.PathLike, docs: TokenStore) -> TokenStore:
    """The token store of a query encode output, checked against the documents' store (same model and scale)."""
    folder = Path(queries_dir) / TOKENS
    if not (folder / "manifest.json").is_file():
        raise ManifestError(f"{queries_dir}: has no token store ({TOKENS}/); encode the queries with --token-level")
    store = TokenStore(folder)
    for key in ("model_path", "vocab_size"):
        if store.manifest.get(key) != docs.manifest.get(key):
            raise ConfigError(f"queries in {queries_dir} and documents in {docs.folder} were encoded with different "
                              f"{key}s ({store.manifest.get(key)!r} != {docs.manifest.get(key)!r})")
    q_quant, d_quant = (s.manifest["config"]["encode"]["quantization"] for s in (store, docs))
    if q_quant["scale"] != d_quant["scale"]:
        raise ConfigError(f"queries in {queries_dir} use quantization scale {q_quant['scale']}, documents in "
                          f"{docs.folder} use {d_quant['scale']}; encode both with the same --scale")
    return store


def search_refined(index_dir: str | os.PathLike, vectors: Sequence[tuple[str, ImpactVector]],
                   queries_dir: str | os.PathLike, doc_tokens: str | os.PathLike | None = None, k: int = 1000,
                   config: RefineConfig = RefineConfig(), threads: int = 1,
                   remove_self: bool = False) -> tuple[Run, float]:
    """(refined run, seconds for first stage plus refinement) for pre-encoded queries: pooled ``vectors`` and the
    token store of ``queries_dir`` (an ``encode --queries --token-level`` output). Self hits (BEIR convention) are
    dropped from the candidates before refinement."""
    import time

    from .batch import search_vectors

    docs = TokenStore(doc_tokens if doc_tokens is not None else default_token_store(index_dir))
    queries = query_token_store(queries_dir, docs)
    first, seconds = search_vectors(index_dir, vectors, config.candidates, threads, remove_self)
    started = time.perf_counter()
    rows = dict(zip([q for q, _ in vectors], queries.rows([q for q, _ in vectors]).tolist()))
    refined = refine_run(first, lambda qid: queries.gather(np.array([rows[qid]])).vectors, docs, k, config, threads)
    return refined, seconds + time.perf_counter() - started


def default_token_store(index_dir: str | os.PathLike) -> Path:
    """The token store beside the vectors an impact index was built from (recorded in the index manifest)."""
    from ..indexing.manifest import index_manifest

    vectors = index_manifest(index_dir).get("config", {}).get("vectors")
    if not vectors:
        raise ManifestError(f"{index_dir}: its manifest does not say which vectors it indexes; give the token "
                            "store folder explicitly")
    return Path(vectors) / TOKENS


class SlimSearcher(Searcher):
    """Pyserini-style searcher (``search``, ``batch_search``) for SLIM: the pooled query vector searches the impact
    index, the query's token vectors refine the candidates.

    ``tokens`` is the documents' token store (default: the one beside the vectors the index was built from); the
    first stage is ``engine``'s (``open_impact_searcher``), the same as ``lsr-lucene search --refine``'s. Text
    queries are encoded with the model, quantization and token settings recorded in that store (on ``device``);
    pre-encoded queries go through ``search_vectors`` / ``batch_search_vectors``.
    """

    def __init__(self, index_dir: str | os.PathLike, tokens: str | os.PathLike | None = None,
                 config: RefineConfig = RefineConfig(), encoder: Any = None, query_max_length: int = 512,
                 threads: int | None = None, engine: str = DEFAULT_ENGINE, device: str = "auto") -> None:
        from .impact import open_impact_searcher

        self.config = config
        self.store = TokenStore(tokens if tokens is not None else default_token_store(index_dir))
        self.first_stage = open_impact_searcher(index_dir, engine)
        self.query_max_length = query_max_length
        self._encoder = encoder
        self._threads, self._device = threads, device

    def _query_encoder(self) -> Any:
        if self._encoder is None:
            from ..encoding.stages.tokens import token_encoder_for

            self._encoder = token_encoder_for(self.store.manifest, self._threads, self._device)
        return self._encoder

    def encode(self, queries: Sequence[str]) -> list[tuple[ImpactVector, TokenVectors]]:
        """(pooled impact vector, token vectors) of each query, quantized as the documents were."""
        from ..encoding.stages.tokens import quantized_rows

        encoder = self._query_encoder()
        config = self.store.manifest["config"]["encode"]
        rows = encoder.encode(list(queries), self.query_max_length, 32, config["expansion"])
        return list(quantized_rows(rows, encoder.terms, config))

    def search_vectors(self, pooled: ImpactVector, tokens: TokenVectors, k: int = 10) -> list[Hit]:
        return refine_hits(self.first_stage.search(pooled, self.config.candidates), tokens, self.store, k,
                           self.config)

    def batch_search_vectors(self, pooled: Sequence[ImpactVector], tokens: Sequence[TokenVectors],
                             qids: Sequence[str], k: int = 10, threads: int = 1) -> Run:
        first = self.first_stage.batch_search(list(pooled), list(qids), self.config.candidates, threads)
        return refine_run(first, dict(zip(qids, tokens)), self.store, k, self.config, threads)

    def search(self, q: str, k: int = 10) -> list[Hit]:
        """Top ``k`` hits for one text query."""
        (pooled, tokens), = self.encode([q])
        return self.search_vectors(pooled, tokens, k)

    def batch_search(self, queries: Sequence[str], qids: Sequence[str], k: int = 10, threads: int = 1) -> Run:
        """Top ``k`` hits per text query: encoded in batches, searched by ``threads`` Java threads, refined by
        ``threads`` Python threads."""
        if len(queries) != len(qids):
            raise ValueError(f"{len(queries)} queries for {len(qids)} query ids")
        encoded = self.encode(queries)
        return self.batch_search_vectors([p for p, _ in encoded], [t for _, t in encoded], qids, k, threads)

    def close(self) -> None:
        self.first_stage.close()
