"""Dense sentence embeddings: a sentence-transformers model run on length-sorted, token-bounded batches.

``SentenceTransformer`` loads the checkpoint (its modules, pooling, normalisation, ``max_seq_length`` and prompts;
a plain Hugging Face encoder gets mean pooling and no normalisation) and runs its module chain on each batch; this
module only tokenizes once (for the truncation counts of EncodeStats), batches by length with a token bound
(``batching.encode_in_order``: short texts travel in bigger batches) and applies the ``pooling`` / ``normalize`` /
``max_length`` overrides by replacing, adding or removing those modules.

``dtype="bf16"`` runs the model under bfloat16 autocast (matrix products in bf16; pooling accumulates in fp32);
``"fp32"`` is the reference. For all-MiniLM-L6-v2 on SciFact documents bf16 is about twice as fast on CPU and its
vectors stay at cosine >= 0.9999 to fp32's (``benchmarks/dense_dtype.py``). Against ``SentenceTransformer.encode``
on its fixed batches of the same size (``benchmarks/dense_encoder.py``: 500 SciFact documents, 2 threads, load
average ~2) it is as fast in fp32 (17.6 against 18.1 docs/s) and a little faster under bf16 autocast (36.4 against
34.0), with the same vectors; the hand-written checkpoint reader this replaced measured 38.8 against 35.0.

``device`` (``auto``, ``cpu``, ``cuda``, ``cuda:N``): on CUDA ``bf16`` autocasts to bfloat16 (float16 on GPUs without
it) and the batches travel from pinned memory.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ...device import half_dtype, resolve_device, to_device
from ...errors import ConfigError, SetupError
from ...models import resolve_model
from ..stats import EncodeStats
from .batching import encode_in_order, pad, tokenize

DTYPES = ("bf16", "fp32")
DOCUMENT_PROMPTS = ("document", "passage", "corpus")
"""Prompt names for documents, in sentence-transformers' ``encode_document`` order; the first non-empty one counts
(sentence-transformers 6 adds an empty ``document`` prompt, which would hide a checkpoint's ``passage`` one)."""


@dataclass(frozen=True)
class PoolingSpec:
    """What the manifest records of how token states become one vector: pooling modes (concatenated), L2
    normalisation, length and prompts."""

    modes: tuple[str, ...] = ("mean",)
    normalize: bool = False
    max_length: int | None = None
    query_prompt: str = ""
    document_prompt: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_model(location: str, max_length: int | None = None, pooling: Sequence[str] | None = None,
               normalize: bool | None = None, device: str = "cpu") -> Any:
    """The SentenceTransformer at ``location`` on ``device`` (a torch device string), with its Pooling module
    replaced by ``pooling`` modes, a Normalize module added or removed per ``normalize`` and ``max_seq_length`` set to
    ``max_length`` (when given; else the model's, else 512)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

    try:
        model = SentenceTransformer(location, device=device)
    except (OSError, ValueError) as exc:
        raise SetupError(f"could not load encoder model from {location!r}: {exc}".splitlines()[0]) from exc
    model.max_seq_length = int(max_length or model.max_seq_length or 512)
    kinds = [type(m) for m in model]
    if pooling:
        if Pooling not in kinds:
            raise ConfigError(f"{location}: no Pooling module to override with {list(pooling)}")
        try:
            model[kinds.index(Pooling)] = Pooling(model[0].get_embedding_dimension(), tuple(pooling))
        except ValueError as exc:
            raise ConfigError(f"pooling {list(pooling)}: {exc}") from None
    if normalize and Normalize not in kinds:
        model.append(Normalize())
    elif normalize is False and Normalize in kinds:
        del model[kinds.index(Normalize)]
    return model


class DenseEncoder:
    """Encode texts into float32 vectors with a sentence-transformers model (local folder, registered name or hub
    name). ``max_length`` (tokens, special ones included), ``pooling`` and ``normalize`` override the model's."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", dtype: str = "bf16", threads: int | None = None,
                 max_length: int | None = None, pooling: Sequence[str] | None = None,
                 normalize: bool | None = None, device: str | Any = "auto") -> None:
        import torch
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

        if dtype not in DTYPES:
            raise ConfigError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        if threads:
            torch.set_num_threads(threads)
        self.model_name, self.dtype = model, dtype
        self.device = resolve_device(device)
        self.model = load_model(resolve_model(model), max_length, pooling, normalize, str(self.device))
        poolers = [m for m in self.model if isinstance(m, Pooling)]
        if any(not p.include_prompt for p in poolers):
            raise ConfigError(f"{model}: a Pooling module with include_prompt=false is not supported")
        modes = poolers[0].pooling_mode if poolers else ()
        prompts = self.model.prompts or {}
        document_prompt = next((prompts[k] for k in DOCUMENT_PROMPTS if prompts.get(k)), "")
        self.spec = PoolingSpec((modes,) if isinstance(modes, str) else tuple(modes),
                                any(isinstance(m, Normalize) for m in self.model), self.model.max_seq_length,
                                prompts.get("query", ""), document_prompt)
        self.tokenizer = self.model.tokenizer
        self.dim = int(self.model.get_embedding_dimension())
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0

    @property
    def max_length(self) -> int:
        return int(self.model.max_seq_length)

    def encode_ids(self, ids: Sequence[Sequence[int]]) -> np.ndarray:
        """Encode pre-tokenized texts (one batch): [len(ids), dim] float32."""
        import torch

        input_ids, mask = (to_device(a, self.device) for a in pad(ids, self.pad_id))
        with torch.inference_mode(), torch.autocast(self.device.type, dtype=half_dtype(self.device),
                                                    enabled=self.dtype == "bf16"):
            vectors = self.model({"input_ids": input_ids, "attention_mask": mask})["sentence_embedding"]
        return vectors.float().cpu().numpy()

    def encode(self, texts: Sequence[str], batch_size: int = 32, queries: bool = False,
               stats: EncodeStats | None = None, on_batch: Callable[[int], Any] | None = None) -> np.ndarray:
        """[len(texts), dim] float32 in input order, encoded in length-sorted batches; ``queries`` selects the
        model's query prompt instead of its document prompt; ``on_batch(n)`` is called after each batch."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompt = self.spec.query_prompt if queries else self.spec.document_prompt
        ids, truncated = tokenize(self.tokenizer, [prompt + t for t in texts], self.max_length)
        if stats is not None:
            stats.count(ids, truncated)

        def batch_rows(batch: list[Sequence[int]]) -> list[np.ndarray]:
            rows = list(self.encode_ids(batch))
            if on_batch is not None:
                on_batch(len(batch))
            return rows

        rows = encode_in_order(ids, batch_size, batch_rows)
        return np.stack(rows).astype(np.float32, copy=False)
