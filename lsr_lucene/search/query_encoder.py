"""Text queries to quantized ``{term: impact}`` vectors, encoded the way an impact index's documents were.

``QueryImpactEncoder`` takes the model, max length, dtype, expansion and quantization from the index manifest
(``from_index``) or from the caller, and runs on ``device`` (``auto``: CUDA when present); an inference-free
checkpoint encodes queries with its IDF table, a Siamese one with its transformer. ``SpladeQueryEncoder`` is the
same as a subclass of Pyserini's ``QueryEncoder``, so Pyserini's ``LuceneImpactSearcher`` takes live text queries:

    LuceneImpactSearcher(index, lsr_lucene.SpladeQueryEncoder.from_index(index), min_idf=-1)

(``min_idf=-1`` keeps every query term, as this tool's searchers do.) Defining that subclass imports Pyserini, so it
is made on first access; ``import lsr_lucene`` has already arranged that our JVM starts before Pyserini's.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Sequence

from ..encoding.stages.sparse import EncodeConfig, encode_records, make_encoder
from ..errors import ConfigError
from ..indexing.manifest import index_manifest
from ..quantize import QuantizationConfig
from ..types import ImpactVector


def recorded_encode_config(index_dir: str | os.PathLike) -> EncodeConfig:
    """How the documents of the impact index ``index_dir`` were encoded (its manifest's ``config.encode``)."""
    recorded = (index_manifest(index_dir).get("config") or {}).get("encode") or {}
    if "model" not in recorded:
        raise ConfigError(f"{index_dir}: its manifest does not record which model encoded its vectors (built from a "
                          "plain vector folder?); give the model, e.g. QueryImpactEncoder('splade-tiny')")
    return EncodeConfig.from_dict(recorded)


class QueryImpactEncoder:
    """Queries to quantized impact vectors with ``config`` (or the settings given by keyword)."""

    def __init__(self, model: str = "splade-tiny", *, max_length: int = 512, dtype: str = "bf16",
                 expansion: bool = True, quantization: QuantizationConfig | None = None,
                 config: EncodeConfig | None = None, threads: int | None = None, device: str = "auto") -> None:
        self.config = config or EncodeConfig(model=model, max_length=max_length, expansion=expansion, dtype=dtype,
                                             quantization=quantization or QuantizationConfig())
        self.encoder = make_encoder(self.config, threads, queries=True, device=device)

    @classmethod
    def from_index(cls, index_dir: str | os.PathLike, max_length: int | None = None,
                   threads: int | None = None, device: str = "auto") -> "QueryImpactEncoder":
        """The encoder the index recorded; ``max_length`` overrides its (document) max length for queries."""
        config = recorded_encode_config(index_dir)
        if max_length is not None:
            config = dataclasses.replace(config, max_length=max_length)
        return cls(config=config, threads=threads, device=device)

    def encode_batch(self, queries: Sequence[str]) -> list[ImpactVector]:
        """One quantized vector per query, in order."""
        records = encode_records(self.encoder, iter(enumerate(queries)), self.config, 32, 4096, None)
        return [vector for _, _, vector in records]

    def encode(self, query: str) -> ImpactVector:
        """The quantized vector of one query (what Pyserini's ``QueryEncoder.encode`` returns)."""
        return self.encode_batch([query])[0]


def __getattr__(name: str) -> Any:
    if name == "SpladeQueryEncoder":
        from pyserini.encode import QueryEncoder

        cls = type("SpladeQueryEncoder", (QueryImpactEncoder, QueryEncoder), {
            "__doc__": "A Pyserini ``QueryEncoder`` that encodes text as ``QueryImpactEncoder`` does.",
            "__module__": __name__})
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
