"""sentence-transformers' sparse search helpers on Lucene: :func:`semantic_search_lucene` takes decoded embeddings
(``SparseEncoder.decode``'s ``[[(token, weight), ...], ...]``) as ``semantic_search_opensearch`` and its siblings in
``sentence_transformers.sparse_encoder.search_engines`` do, and returns the same ``(results, search_time[, index])``.

Weights are quantized to integer impacts (:mod:`lsr_lucene.quantize`, queries as the corpus), the corpus is written
as a ``JsonVectorCollection`` and indexed into a Lucene impact index, and search is exact: each query gets the
``top_k`` documents by the dot product of its impacts with theirs, ties broken by corpus position. A score is that
integer dot product divided by ``scale ** 2``, so it is in the model's units (exact while the integer is < 2**24).
Only documents that share a term with the query come back, so a query may get fewer than ``top_k`` results.

Tokens are kept as the tokenizer spells them, except that whitespace and control characters are percent-escaped
(:func:`lsr_lucene.vocab.lucene_term`). Corpus ids in the index are zero-padded positions (``"007"``), so that
Lucene's tie order (id ascending, byte order) is position order.
"""

from __future__ import annotations

import numbers
import os
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from ..encoding.stages.sparse import doc_record
from ..errors import ConfigError, EmbeddingsError, ManifestError
from ..indexing.impact import index_impact
from ..indexing.manifest import IMPACT_KIND, index_manifest, lucene_index_dir
from ..io.shards import ShardedJsonlWriter
from ..io.vectors import DOCS_KIND
from ..quantize import QuantizationConfig, quantize
from ..streams import progress as progress_bar
from ..types import ImpactVector
from ..vocab import lucene_term
from .base import Searcher
from .impact import open_impact_searcher

SOURCE = "sentence-transformers decoded embeddings"
"""What the vectors' config records as their source: an index with it is one this module can search."""

Decoded = Sequence[Sequence[tuple[str, float]]]
"""Decoded sparse embeddings: per text, its (token, weight) pairs."""
Results = list[list[dict[str, int | float]]]
"""Per query, its hits best first: ``{"corpus_id": position in the corpus, "score": float}``."""


class _TermMap:
    """Token -> Lucene term for one batch of embeddings, refusing two tokens that escape to the same term."""

    def __init__(self) -> None:
        self._terms: dict[str, str] = {}
        self._tokens: dict[str, str] = {}

    def term(self, token: str, where: str) -> str:
        term = self._terms.get(token)
        if term is None:
            if not token:
                raise EmbeddingsError(f"{where}: empty token")
            term = self._terms[token] = lucene_term(token)
            other = self._tokens.setdefault(term, token)
            if other != token:
                raise EmbeddingsError(f"{where}: tokens {other!r} and {token!r} both become the Lucene term {term!r}")
        return term


def _is_pair(item: Any) -> bool:
    return (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)
            and isinstance(item[1], numbers.Real) and not isinstance(item[1], bool))


def _impact_vector(pairs: Any, where: str, config: QuantizationConfig, terms: _TermMap) -> ImpactVector:
    """One decoded embedding as ``{term: impact}``, quantized by ``config`` (zeros dropped)."""
    if _is_pair(pairs):
        raise EmbeddingsError(f"{where} is one (token, weight) pair, not a list of them: pass a list of decoded "
                              "embeddings (model.decode of a 2-D tensor, or [model.decode(embedding)])")
    if not isinstance(pairs, (list, tuple)):
        raise EmbeddingsError(f"{where} is a {type(pairs).__name__}, not a list of (token, weight) pairs")
    bad = next((p for p in pairs if not _is_pair(p)), None)
    if bad is not None:
        raise EmbeddingsError(f"{where}: {bad!r} is not a (token, weight) pair")
    tokens = [token for token, _ in pairs]
    if len(set(tokens)) != len(tokens):
        twice = next(t for t, n in Counter(tokens).items() if n > 1)
        raise EmbeddingsError(f"{where}: token {twice!r} appears twice")
    try:
        kept, impacts = quantize(np.arange(len(pairs)), np.array([w for _, w in pairs], dtype=np.float64), config)
    except ValueError as exc:
        raise EmbeddingsError(f"{where}: {exc}") from exc
    return {terms.term(tokens[i], where): v for i, v in zip(kept.tolist(), impacts.tolist())}


def _count(embeddings: Any, what: str) -> int:
    """How many embeddings ``embeddings`` holds; EmbeddingsError unless it is a list of them."""
    if not isinstance(embeddings, (list, tuple)):
        raise EmbeddingsError(f"{what} embeddings must be a list of decoded embeddings "
                              f"[[('token', weight), ...], ...], got a {type(embeddings).__name__}")
    return len(embeddings)


def _impact_vectors(embeddings: Decoded, what: str, config: QuantizationConfig) -> Iterator[ImpactVector]:
    terms = _TermMap()
    for i, pairs in enumerate(embeddings):
        yield _impact_vector(pairs, f"{what} {i}", config, terms)


class LuceneSparseIndex(Searcher):
    """A Lucene impact index of decoded corpus embeddings, open for search; pass it back as ``corpus_index``.

    ``close`` releases the index and, for one built in a temporary folder, removes that folder.
    """

    def __init__(self, path: str | os.PathLike, _temporary: Path | None = None) -> None:
        """Open the index that :func:`build_lucene_index` (or ``semantic_search_lucene``) built at ``path``."""
        self.path = lucene_index_dir(path)
        manifest = index_manifest(path)
        source = manifest.get("config", {}).get("encode", {})
        if manifest.get("kind") != IMPACT_KIND or source.get("source") != SOURCE:
            raise ManifestError(f"{path}: not an index of decoded embeddings (built by semantic_search_lucene)")
        self.quantization = QuantizationConfig(**source["quantization"])
        self._temporary = _temporary
        self._searcher = open_impact_searcher(self.path)

    @property
    def num_docs(self) -> int:
        """Documents in the index (those with at least one impact after quantization)."""
        return self._searcher.num_docs

    def search(self, query_embeddings_decoded: Decoded, top_k: int = 10, threads: int = 1) -> Results:
        """Per query, its ``top_k`` documents by quantized dot product (ties: lower corpus position first)."""
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ConfigError(f"top_k must be an integer >= 1, got {top_k!r}")
        qids = [str(i) for i in range(_count(query_embeddings_decoded, "query"))]
        vectors = list(_impact_vectors(query_embeddings_decoded, "query", self.quantization))
        run = self._searcher.batch_search(vectors, qids, top_k, threads)
        units = self.quantization.scale ** 2
        return [[{"corpus_id": int(hit.doc_id), "score": round(hit.score) / units} for hit in run[qid]]
                for qid in qids]

    def close(self) -> None:
        self._searcher.close()
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None


def build_lucene_index(corpus_embeddings_decoded: Decoded, index_path: str | os.PathLike | None = None,
                       quantization: QuantizationConfig | None = None, threads: int = 1,
                       progress: bool = False) -> LuceneSparseIndex:
    """Quantize, write and index decoded corpus embeddings at ``index_path`` (a new folder; None: a temporary one,
    removed when the index is closed); the opened index. Corpus ids are positions in the list."""
    config = quantization or QuantizationConfig()
    count = _count(corpus_embeddings_decoded, "corpus")
    if not count:
        raise EmbeddingsError("corpus_embeddings_decoded is empty: there is nothing to index")
    temporary = None
    if index_path is None:
        temporary = Path(tempfile.mkdtemp(prefix="lsr-lucene-semantic-"))
        path = temporary / "index"
    else:
        path = Path(index_path)
        if path.exists() and not (path.is_dir() and not any(path.iterdir())):
            raise ManifestError(f"{path}: already exists; pass it as corpus_index to search it, or give another "
                                "index_path")
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix=f".{path.name}.vectors.", dir=path.parent) as vectors:
            writer = ShardedJsonlWriter(vectors, DOCS_KIND, {"source": SOURCE, "quantization": config.to_dict()})
            width = len(str(count - 1))
            stream = _impact_vectors(corpus_embeddings_decoded, "corpus", config)
            try:
                for i, vector in enumerate(progress_bar(stream, desc="quantize", total=count, enabled=progress)):
                    writer.write(*doc_record(f"{i:0{width}d}", "", vector, store_contents=False))
            except BaseException:
                writer.abort()
                raise
            totals = writer.finish()["totals"]
            if totals["records"] == totals["empty_vectors"]:
                raise EmbeddingsError(f"no corpus embedding keeps a weight after quantization ({config}): "
                                      "raise the scale or lower the threshold")
            index_impact(vectors, path, threads=threads, progress=progress)
        return LuceneSparseIndex(path, _temporary=temporary)
    except BaseException:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
        raise


def semantic_search_lucene(
    query_embeddings_decoded: Decoded,
    corpus_embeddings_decoded: Decoded | None = None,
    corpus_index: LuceneSparseIndex | str | os.PathLike | None = None,
    top_k: int = 10,
    output_index: bool = False,
    *,
    index_path: str | os.PathLike | None = None,
    quantization: QuantizationConfig | None = None,
    threads: int = 1,
    progress: bool = False,
) -> tuple[Results, float] | tuple[Results, float, LuceneSparseIndex]:
    """Semantic search of decoded sparse embeddings with Lucene, as sentence-transformers'
    ``semantic_search_opensearch`` does with OpenSearch::

        model = SparseEncoder("my-sparse-model")
        corpus = model.decode(model.encode_document(docs, convert_to_sparse_tensor=True))
        queries = model.decode(model.encode_query(texts, convert_to_sparse_tensor=True))
        results, search_time, index = semantic_search_lucene(queries, corpus, top_k=10, output_index=True)

    Args:
        query_embeddings_decoded: per query, its (token, weight) pairs.
        corpus_embeddings_decoded: per document, its (token, weight) pairs; only used if ``corpus_index`` is None.
            ``corpus_id`` in the results is the position in this list.
        corpus_index: an index returned earlier (``output_index=True``), or the ``index_path`` of one; it is
            searched without rebuilding. A path is opened and closed here; an index object is left open.
        top_k: results per query (fewer when fewer documents share a term with the query).
        output_index: also return the index (open; its ``close`` removes a temporary one).
        index_path: where a new index goes (a new or empty folder); None: a temporary folder, removed after the
            search unless ``output_index``.
        quantization: impact = round(weight * scale), clipped, zeros dropped (default: the tool's,
            ``QuantizationConfig()``); queries are quantized as the corpus was, so with ``corpus_index`` it must
            be None or the index's own.
        threads: Java threads that index and search.
        progress: show progress bars while building.

    Returns:
        ``(results, search_time)``, or ``(results, search_time, index)`` with ``output_index``: results per query
        ``[{"corpus_id": int, "score": float}, ...]`` best first, ties by ascending ``corpus_id``; the score is
        the quantized dot product divided by ``scale ** 2``; ``search_time`` in seconds, building excluded.
    """
    owned = not isinstance(corpus_index, LuceneSparseIndex)  # opened or built here: closed here
    if isinstance(corpus_index, LuceneSparseIndex):
        index = corpus_index
    elif corpus_index is not None:
        index = LuceneSparseIndex(corpus_index)
    elif corpus_embeddings_decoded is None:
        raise EmbeddingsError("Either corpus_embeddings_decoded or corpus_index must be provided")
    else:
        index = build_lucene_index(corpus_embeddings_decoded, index_path, quantization, threads, progress)
    try:
        if quantization is not None and quantization != index.quantization:
            raise ConfigError(f"quantization {quantization} differs from the index's {index.quantization}; "
                              "queries must be quantized as the corpus was")
        started = time.perf_counter()
        results = index.search(query_embeddings_decoded, top_k, threads)
        search_time = time.perf_counter() - started
    except BaseException:
        if owned:
            index.close()
        raise
    if output_index:
        return results, search_time, index
    if owned:
        index.close()
    return results, search_time
