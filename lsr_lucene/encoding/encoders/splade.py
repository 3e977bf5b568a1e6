"""SPLADE: MLM logits, max-pooled over the non-padding tokens, then log(1 + relu(.)).

Pooling comes first (``log1p(relu(max_t x_t)) == max_t log1p(relu(x_t))``: exact and cheaper). The vocabulary
projection, a ``tokens x vocab`` product, dominates the cost of small models; it runs on packed chunks of at most
``max_tokens`` rows, with padding rows replaced by a real row of the same text (a copy cannot change a maximum), so
no masked full-vocabulary tensor is ever built. Each chunk is projected in vocabulary tiles of ``vocab_tile`` columns
and max-pooled tile by tile, so the logits stay cache-sized (a third less CPU than one ``chunk x vocab`` product
followed by a max over it, same numbers bit for bit).

``dtype``: ``"fp32"`` is the reference path; ``"bf16"`` (default) runs the vocabulary projection in bfloat16 and the
transformer in float32 (2x faster for small models, quantized impacts within +-2 of fp32 at scale 100 on SciFact);
``"bf16-all"`` also runs the transformer under bf16 autocast (for large backbones, where the transformer dominates).

``device``: ``auto`` (CUDA when present), ``cpu``, ``cuda`` or ``cuda:N`` (``lsr_lucene.device``). A dtype means the
same computation on every device (it is part of the output's config); on CUDA the half precision is bfloat16, or
float16 on GPUs without it, and the projection is one plain matmul per chunk of up to ``GPU_MAX_TOKENS`` token rows
over the whole vocabulary (``max_pooled_logits`` with other chunk sizes: the same function as on the CPU). On a GPU
the transformer is what ``bf16-all`` speeds up, for any backbone larger than SPLADE-tiny. On the CPU nothing
depends on the device option.

``activation``: ``splade`` (log(1+relu)) or ``l0`` (log(1+log(1+relu))); by default the checkpoint's
(``encoders/checkpoint.py`` reads a sentence-transformers folder's ``SpladePooling``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ...device import half_dtype, on_cuda, resolve_device, to_device
from ...errors import ConfigError, SetupError
from ...models import resolve_model
from ...vocab import vocabulary_terms
from ..stats import EncodeStats
from .activations import apply
from .batching import encode_in_order, pad, tokenize

DTYPES = ("bf16", "bf16-all", "fp32")
CPU_MAX_TOKENS, CPU_VOCAB_TILE = 2048, 4096
"""CPU projection chunks: token rows per chunk, vocabulary columns per tile (cache-sized logits)."""
GPU_MAX_TOKENS = 16384
"""CUDA projection chunks: token rows per chunk, each over the whole vocabulary (16384 x 30522 bf16 logits = 1 GB)."""


@dataclass
class SparseRow:
    """One encoded text: vocabulary ids (ascending) and their float weights (> 0)."""

    ids: np.ndarray
    weights: np.ndarray


def load_masked_lm(model: str) -> tuple[Any, Any]:
    """(tokenizer, model in eval mode) for a local path, registered name or hub name: a masked LM, or else a
    causal LM (decoder-only SPLADE uses its LM head over every position)."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer
    from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

    location = resolve_model(model)
    try:
        tokenizer = AutoTokenizer.from_pretrained(location)
        model_type = AutoConfig.from_pretrained(location).model_type
        auto = AutoModelForMaskedLM if model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES else AutoModelForCausalLM
        network = auto.from_pretrained(location)
    except (OSError, ValueError) as exc:
        raise SetupError(f"could not load masked-LM model {model!r} from {location!r}: {exc}".splitlines()[0]) from exc
    return tokenizer, network.eval()


def max_pooled_logits(hidden: Any, mask: Any, projection: Any, max_tokens: int, vocab_tile: int) -> Any:
    """max over the valid tokens of ``hidden @ projection.T``: ``[batch, vocab]`` float32 (before bias and
    activation), on ``hidden``'s device.

    ``hidden`` [batch, width, dim] is cast to ``projection``'s dtype; ``mask`` [batch, width] marks the valid tokens
    (padding rows are replaced by the text's first row, which cannot change a maximum). The product runs on chunks
    of at most ``max_tokens`` token rows (whole texts), ``vocab_tile`` vocabulary columns at a time, so the logits
    in memory stay at ``max_tokens x vocab_tile``.
    """
    import torch

    hidden = hidden.to(projection.dtype)
    hidden = torch.where(mask.bool().unsqueeze(-1), hidden, hidden[:, :1, :])
    batch, width, dim = hidden.shape
    rows = max(1, max_tokens // width)
    vocab = projection.shape[0]
    pooled = torch.empty(batch, vocab, dtype=hidden.dtype, device=hidden.device)
    for start in range(0, batch, rows):
        chunk = hidden[start:start + rows]
        flat = chunk.reshape(-1, dim)
        for low in range(0, vocab, vocab_tile):
            logits = flat @ projection[low:low + vocab_tile].T
            pooled[start:start + rows, low:low + vocab_tile] = logits.view(chunk.shape[0], width, -1).amax(1)
    return pooled.float()


class SpladeEncoder:
    """Encode texts into SPLADE sparse vectors over the model's vocabulary.

    ``expansion=False`` keeps only the input's own (non-special) tokens: term weighting without expansion.
    """

    def __init__(self, model: str = "splade-tiny", dtype: str = "bf16", threads: int | None = None,
                 max_tokens: int | None = None, vocab_tile: int | None = None, activation: str | None = None,
                 device: str | Any = "auto") -> None:
        import torch

        from .checkpoint import describe

        if dtype not in DTYPES:
            raise ConfigError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        if threads:
            torch.set_num_threads(threads)
        self.model_name = model
        self.dtype = dtype
        self.device = resolve_device(device)
        gpu = on_cuda(self.device)
        layout = describe(model)  # a sentence-transformers folder: its document transformer and activation
        self.activation = activation or layout.activation
        self.tokenizer, self.network = load_masked_lm(layout.document_model)
        self.network.to(self.device)
        self._autocast = dtype == "bf16-all"
        """Run the transformer under half-precision autocast."""
        head = self.network.get_output_embeddings()
        if head is None or getattr(head, "weight", None) is None:
            raise ConfigError(f"model {model!r} has no vocabulary projection (get_output_embeddings); "
                              "SPLADE needs a masked-LM head")
        self.terms = vocabulary_terms(self.tokenizer)
        weight = head.weight.detach()
        bias = getattr(head, "bias", None)
        self.bias = bias.detach().float() if bias is not None else torch.zeros(weight.shape[0], device=self.device)
        """The vocabulary projection's bias, float32."""
        self.projection = weight if dtype == "fp32" else weight.to(half_dtype(self.device))
        """The vocabulary projection's weight [vocab, hidden], in the projection dtype (bf16 unless fp32; fp16 on a
        GPU without bf16)."""
        self.max_tokens = max_tokens or (GPU_MAX_TOKENS if gpu else CPU_MAX_TOKENS)
        self.vocab_tile = vocab_tile or (self.vocab_size if gpu else CPU_VOCAB_TILE)
        # The network returns the head's input (hidden states after the MLM transform) instead of logits.
        head.forward = lambda hidden: hidden
        self._special = torch.tensor(sorted(set(self.tokenizer.all_special_ids)), dtype=torch.long,
                                     device=self.device)
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0

    @property
    def vocab_size(self) -> int:
        return int(self.projection.shape[0])

    def tokenize(self, texts: Sequence[str], max_length: int) -> tuple[list[list[int]], int]:
        """Token ids per text (truncated to ``max_length``) and how many texts were truncated."""
        return tokenize(self.tokenizer, texts, max_length)

    def hidden_states(self, ids: Sequence[Sequence[int]]) -> tuple[Any, Any, Any]:
        """(input_ids, attention_mask, hidden) of one right-padded batch; ``hidden`` [batch, width, dim] is the
        vocabulary projection's input at every position (the network's head returns its input)."""
        import torch

        input_ids, mask = (to_device(a, self.device) for a in pad(ids, self.pad_id))
        with torch.autocast(self.device.type, dtype=half_dtype(self.device), enabled=self._autocast):
            hidden = self.network(input_ids=input_ids, attention_mask=mask).logits
        return input_ids, mask, hidden

    def sparse_rows(self, input_ids: Any, mask: Any, hidden: Any, expansion: bool = True) -> list[SparseRow]:
        """The pooled sparse rows of one batch from its ``hidden_states``."""
        import torch

        pooled = max_pooled_logits(hidden, mask, self.projection, self.max_tokens, self.vocab_tile)
        weights = apply(self.activation, pooled + self.bias)
        if not expansion:
            keep = torch.zeros_like(weights, dtype=torch.bool)
            keep.scatter_(1, input_ids * mask, True)
            keep[:, self._special] = False
            weights = weights * keep
        rows, cols = torch.nonzero(weights, as_tuple=True)
        values = weights[rows, cols]
        rows_np, cols_np, values_np = rows.cpu().numpy(), cols.cpu().numpy().astype(np.int32), values.cpu().numpy()
        bounds = np.searchsorted(rows_np, np.arange(len(input_ids) + 1))
        return [SparseRow(cols_np[bounds[i]:bounds[i + 1]], values_np[bounds[i]:bounds[i + 1]])
                for i in range(len(input_ids))]

    def encode_ids(self, ids: Sequence[Sequence[int]], expansion: bool = True) -> list[SparseRow]:
        """Encode pre-tokenized texts (one batch)."""
        import torch

        with torch.inference_mode():
            return self.sparse_rows(*self.hidden_states(ids), expansion)

    def encode(self, texts: Sequence[str], max_length: int = 512, batch_size: int = 32,
               expansion: bool = True, stats: EncodeStats | None = None) -> list[SparseRow]:
        """Encode ``texts`` in length-sorted batches; results come back in input order."""
        ids, truncated = self.tokenize(texts, max_length)
        if stats is not None:
            stats.count(ids, truncated)
        return encode_in_order(ids, batch_size, lambda batch: self.encode_ids(batch, expansion))
