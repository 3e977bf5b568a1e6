"""Sparse models as sentence-transformers ``SparseEncoder`` module lists, and their fast training-time encoding.

- ``splade`` (Siamese): ``[Transformer(fill-mask), SpladePooling(max, activation)]`` for queries and documents.
- ``inference_free`` (SPLADE-doc): ``Router(query=[SparseStaticEmbedding(IDF)], document=[Transformer,
  SpladePooling])``. Queries are tokenized only and each distinct token weighs its table entry (IDF, frozen, or
  IDF-initialised and learned).

The saved folder is a plain sentence-transformers model (``SparseEncoder(path)`` loads it) whose document
transformer is a Hugging Face checkpoint; ``lsr-lucene encode --model PATH`` loads the same folder
(``lsr_lucene.encoding.encoders.checkpoint``). During training, ``TrainingView`` encodes through ``sparse_head`` instead of
the full logits tensor; both give the same vectors (tested). It runs where the model is (``model.to(device)``); on
CUDA with ``precision="bf16"`` the transformer runs under bfloat16 autocast (where the GPU has bf16; the projection's
exact values stay float32).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import ConfigError
from ..models import resolve_model
from ..registry import Registry
from ..encoding.encoders.activations import ACTIVATIONS, st_name
from .backbones import backbone_kind, tied_mlm_from_encoder

MODEL_KINDS: Registry[str] = Registry("model kind")
MODEL_KINDS.register("splade", "one MLM-head encoder for queries and documents")
MODEL_KINDS.register("inference_free", "document encoder; queries are token weights from a table (IDF)")

QUERY_WEIGHTS = ("idf", "learned")


def _transformer(path: str, kind: str) -> Any:
    from sentence_transformers.base.modules import Transformer

    if kind == "causal":
        return Transformer(path, transformer_task="text-generation", module_output_name="token_embeddings",
                           modality_config={"text": {"method": "forward", "method_output_name": "logits"}},
                           processing_kwargs={"text": {"logits_to_keep": 0}})
    return Transformer(path, transformer_task="fill-mask")


def build_model(kind: str, backbone: str, work_dir: str | os.PathLike, activation: str = "splade",
                head: str = "auto", idf: Any = None, query_weights: str = "idf", head_bias_init: float = 0.0) -> Any:
    """A new ``SparseEncoder`` (see the module docstring); ``idf`` ([vocab] tensor) is required for inference-free
    models. A sentence encoder's tied-head rewrite is written under ``work_dir``."""
    from sentence_transformers import SparseEncoder
    from sentence_transformers.base.modules import Router
    from sentence_transformers.sparse_encoder.modules import SparseStaticEmbedding, SpladePooling

    MODEL_KINDS.get(kind)
    ACTIVATIONS.get(activation)
    location = resolve_model(backbone)
    head_kind = backbone_kind(location, head)
    if head_kind == "tied":
        location = tied_mlm_from_encoder(location, Path(work_dir) / "tied-backbone", head_bias_init)
    transformer = _transformer(location, head_kind)
    document = [transformer, SpladePooling("max", st_name(activation))]
    if kind == "splade":
        return SparseEncoder(modules=document, device="cpu")
    if query_weights not in QUERY_WEIGHTS:
        raise ConfigError(f"model.query_weights must be one of {QUERY_WEIGHTS}, got {query_weights!r}")
    if idf is None:
        raise ConfigError("an inference-free model needs IDF weights for its query table")
    query = SparseStaticEmbedding(transformer.tokenizer, weight=idf.clone().float(), frozen=query_weights == "idf")
    return SparseEncoder(modules=[Router.for_query_document([query], document)], device="cpu")


def load_model(path: str | os.PathLike) -> Any:
    """A saved ``SparseEncoder`` (on CPU)."""
    from sentence_transformers import SparseEncoder

    return SparseEncoder(str(path), device="cpu")


def routes(model: Any) -> tuple[list[Any], list[Any]]:
    """(query modules, document modules) of a ``SparseEncoder``."""
    from sentence_transformers.base.modules import Router

    first = model[0]
    if isinstance(first, Router):
        return list(first.sub_modules["query"]), list(first.sub_modules["document"])
    modules = list(model)
    return modules, modules


@contextlib.contextmanager
def _head_bypassed(network: Any) -> Iterator[Any]:
    """Within the block the network returns the input of its vocabulary projection instead of logits."""
    head = network.get_output_embeddings()
    head.forward = lambda hidden: hidden
    try:
        yield head
    finally:
        del head.forward


class TrainingView:
    """Fast encoding of a ``SparseEncoder``'s queries and documents for training (gradients flow), on the model's
    device."""

    def __init__(self, model: Any, precision: str = "bf16") -> None:
        from sentence_transformers.sparse_encoder.modules import SparseStaticEmbedding, SpladePooling

        self.model = model
        self.precision = precision
        query, document = routes(model)
        self.doc_transformer, pooling = document[0], document[-1]
        if not isinstance(pooling, SpladePooling) or pooling.pooling_strategy != "max":
            raise ConfigError("training needs documents encoded by Transformer + SpladePooling(max)")
        from ..encoding.encoders.activations import from_st_name

        self.activation = from_st_name(pooling.activation_function)
        self.query_table = query[0] if isinstance(query[0], SparseStaticEmbedding) else None
        self.inference_free = self.query_table is not None
        head = self.doc_transformer.model.get_output_embeddings()
        if head is None:
            raise ConfigError("the document transformer has no vocabulary projection (get_output_embeddings)")

    @property
    def tokenizer(self) -> Any:
        return self.doc_transformer.tokenizer

    @property
    def device(self) -> Any:
        """The device the model's parameters are on."""
        return next(self.model.parameters()).device

    def _autocast(self) -> Any:
        """bfloat16 autocast on a CUDA GPU that has bf16 when ``precision`` is bf16; otherwise nothing."""
        import torch

        from ..device import half_dtype, on_cuda

        device = self.device
        enabled = on_cuda(device) and self.precision == "bf16" and half_dtype(device) == torch.bfloat16
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=enabled)

    def documents(self, texts: Sequence[str], max_length: int) -> Any:
        """[texts, vocab] document vectors."""
        return self._splade(texts, max_length)

    def queries(self, texts: Sequence[str], max_length: int) -> Any:
        """[texts, vocab] query vectors (table lookups for inference-free models)."""
        if self.query_table is not None:
            features = {k: v.to(self.device) for k, v in self.query_table.preprocess(list(texts)).items()}
            return self.query_table(features)["sentence_embedding"].float()
        return self._splade(texts, max_length)

    def _splade(self, texts: Sequence[str], max_length: int) -> Any:
        from .sparse_head import max_pooled_vocab

        encoded = self.tokenizer(list(texts), padding=True, truncation=True, max_length=max_length,
                                 return_tensors="pt", return_token_type_ids=False).to(self.device)
        network = self.doc_transformer.model
        with _head_bypassed(network) as head, self._autocast():
            hidden = network(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]).logits
        bias = getattr(head, "bias", None)
        return max_pooled_vocab(hidden, encoded["attention_mask"], head.weight, bias, self.activation,
                                self.precision)

    def parameters(self) -> Iterator[Any]:
        return (p for p in self.model.parameters() if p.requires_grad)

    def clamp_query_table(self) -> None:
        """Keep a learned query table non-negative (a negative query weight cannot be an impact)."""
        if self.query_table is not None and self.query_table.weight.requires_grad:
            import torch

            with torch.no_grad():
                self.query_table.weight.clamp_(min=0)
