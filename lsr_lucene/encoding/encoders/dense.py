"""Dense sentence embeddings from any Hugging Face encoder, pooled and normalised as the checkpoint prescribes.

A sentence-transformers checkpoint describes itself: ``modules.json`` lists its modules (Transformer, Pooling,
Normalize), ``1_Pooling/config.json`` the pooling modes (``pooling_mode`` or the legacy ``pooling_mode_*_token(s)``
flags, concatenated in sentence-transformers' order when several are on), ``sentence_bert_config.json`` the maximum
sequence length and ``config_sentence_transformers.json`` the query/document prompts. A plain Hugging Face encoder
without these files gets mean pooling and no normalisation, as sentence-transformers would give it. Modules this
encoder does not implement (Dense projections, ...) are refused by name instead of being silently skipped.

``dtype="bf16"`` runs the transformer under bfloat16 autocast (matrix products in bf16, layer norms and softmax in
fp32) and pools in fp32; ``"fp32"`` is the reference. For all-MiniLM-L6-v2 on SciFact documents bf16 is about twice
as fast on CPU and its vectors stay at cosine >= 0.9999 to fp32's (``benchmarks/dense_dtype.py``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ...errors import ConfigError, SetupError
from ...models import resolve_model
from ..stats import EncodeStats
from .batching import encode_in_order, pad, tokenize

log = logging.getLogger(__name__)

DTYPES = ("bf16", "fp32")
POOLING_MODES = ("cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken")
"""In sentence-transformers' concatenation order."""
_LEGACY_FLAGS = {"pooling_mode_cls_token": "cls", "pooling_mode_max_tokens": "max",
                 "pooling_mode_mean_tokens": "mean", "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
                 "pooling_mode_weightedmean_tokens": "weightedmean", "pooling_mode_lasttoken": "lasttoken"}
_KNOWN_MODULES = ("Transformer", "Pooling", "Normalize")


@dataclass(frozen=True)
class PoolingSpec:
    """How token states become one vector: pooling modes (concatenated), L2 normalisation, prompts, length."""

    modes: tuple[str, ...] = ("mean",)
    normalize: bool = False
    max_length: int | None = None
    query_prompt: str = ""
    document_prompt: str = ""

    def __post_init__(self) -> None:
        unknown = [m for m in self.modes if m not in POOLING_MODES]
        if unknown or not self.modes:
            raise ConfigError(f"pooling modes {list(self.modes)}: each must be one of {list(POOLING_MODES)}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _model_file(location: str, name: str) -> Path | None:
    """A file of a local checkpoint folder or of a hub model (None when it has no such file)."""
    folder = Path(location)
    if folder.is_dir():
        return folder / name if (folder / name).is_file() else None
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(location, name))
    except Exception as exc:  # missing entry, or no network: the caller falls back to defaults
        log.debug("no %s for %s: %s", name, location, exc)
        return None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SetupError(f"{path}: unreadable ({exc})") from None


def pooling_modes(config: dict[str, Any]) -> tuple[str, ...]:
    """Pooling modes from a ``1_Pooling/config.json`` (new ``pooling_mode`` key or legacy boolean flags)."""
    mode = config.get("pooling_mode")
    if mode is not None:
        return (mode,) if isinstance(mode, str) else tuple(mode)
    return tuple(m for key, m in _LEGACY_FLAGS.items() if config.get(key)) or ("mean",)


def read_pooling_spec(location: str) -> PoolingSpec:
    """The PoolingSpec a checkpoint prescribes (mean pooling, no normalisation without ``modules.json``)."""
    modules_file = _model_file(location, "modules.json")
    if modules_file is None:
        return PoolingSpec()
    modules = _read_json(modules_file)
    modes: tuple[str, ...] = ("mean",)
    normalize = False
    for module in modules:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        if kind not in _KNOWN_MODULES:
            raise ConfigError(f"{modules_file}: module {module.get('type')!r} is not supported by the dense encoder "
                              f"(supported: {', '.join(_KNOWN_MODULES)})")
        if kind == "Pooling":
            pooling_file = _model_file(location, f"{module.get('path', '')}/config.json".lstrip("/"))
            if pooling_file is not None:
                modes = pooling_modes(_read_json(pooling_file))
                if _read_json(pooling_file).get("include_prompt") is False:
                    raise ConfigError(f"{pooling_file}: include_prompt=false is not supported")
        normalize = normalize or kind == "Normalize"
    max_length = None
    if (bert_file := _model_file(location, "sentence_bert_config.json")) is not None:
        max_length = _read_json(bert_file).get("max_seq_length")
    prompts: dict[str, str] = {}
    if (st_file := _model_file(location, "config_sentence_transformers.json")) is not None:
        prompts = _read_json(st_file).get("prompts") or {}
    document_prompt = next((prompts[k] for k in ("document", "passage", "corpus") if prompts.get(k)), "")
    return PoolingSpec(modes, normalize, max_length, prompts.get("query", ""), document_prompt)


def pool(states: Any, mask: Any, modes: Sequence[str]) -> Any:
    """[batch, tokens, dim] hidden states and a right-padded [batch, tokens] mask -> [batch, len(modes) * dim]."""
    import torch

    states = states.float()
    weights = mask.unsqueeze(-1).float()
    counts = weights.sum(dim=1).clamp(min=1e-9)
    out = []
    for mode in modes:
        if mode == "cls":
            out.append(states[:, 0])
        elif mode == "max":
            out.append(states.masked_fill(weights == 0, float("-inf")).amax(dim=1))
        elif mode in ("mean", "mean_sqrt_len_tokens"):
            total = (states * weights).sum(dim=1)
            out.append(total / (counts if mode == "mean" else counts.sqrt()))
        elif mode == "weightedmean":
            positions = torch.arange(1, states.shape[1] + 1, dtype=torch.float32).view(1, -1, 1) * weights
            out.append((states * positions).sum(dim=1) / positions.sum(dim=1).clamp(min=1e-9))
        elif mode == "lasttoken":
            last = (mask.sum(dim=1) - 1).clamp(min=0)
            out.append(states[torch.arange(states.shape[0]), last])
        else:
            raise ConfigError(f"unknown pooling mode {mode!r}; known: {list(POOLING_MODES)}")
    return torch.cat(out, dim=-1)


class DenseEncoder:
    """Encode texts into float32 vectors with a transformer encoder and the checkpoint's pooling.

    ``max_length`` (tokens, special ones included) defaults to the checkpoint's ``max_seq_length`` (else 512);
    ``pooling`` and ``normalize`` override what the checkpoint prescribes.
    """

    def __init__(self, model: str = "all-MiniLM-L6-v2", dtype: str = "bf16", threads: int | None = None,
                 max_length: int | None = None, pooling: Sequence[str] | None = None,
                 normalize: bool | None = None) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        if dtype not in DTYPES:
            raise ConfigError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        if threads:
            torch.set_num_threads(threads)
        self.model_name, self.dtype = model, dtype
        location = resolve_model(model)
        spec = read_pooling_spec(location)
        self.spec = PoolingSpec(tuple(pooling) if pooling else spec.modes,
                                spec.normalize if normalize is None else normalize,
                                max_length or spec.max_length or 512, spec.query_prompt, spec.document_prompt)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(location)
            self.network = AutoModel.from_pretrained(location).eval()
        except (OSError, ValueError) as exc:
            raise SetupError(f"could not load encoder model {model!r} from {location!r}: {exc}".splitlines()[0]
                             ) from exc
        hidden = int(getattr(self.network.config, "hidden_size", 0))
        self.dim = hidden * len(self.spec.modes)
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0

    @property
    def max_length(self) -> int:
        return int(self.spec.max_length or 512)

    def encode_ids(self, ids: Sequence[Sequence[int]]) -> np.ndarray:
        """Encode pre-tokenized texts (one batch): [len(ids), dim] float32."""
        import torch

        input_ids, mask = (torch.from_numpy(a) for a in pad(ids, self.pad_id))
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.dtype == "bf16"):
            states = self.network(input_ids=input_ids, attention_mask=mask).last_hidden_state
        with torch.inference_mode():
            vectors = pool(states, mask, self.spec.modes)
            if self.spec.normalize:
                vectors = torch.nn.functional.normalize(vectors, p=2, dim=-1)
        return vectors.numpy().astype(np.float32, copy=False)

    def encode(self, texts: Sequence[str], batch_size: int = 32, queries: bool = False,
               stats: EncodeStats | None = None, on_batch: Callable[[int], Any] | None = None) -> np.ndarray:
        """[len(texts), dim] float32 in input order, encoded in length-sorted batches; ``queries`` selects the
        checkpoint's query prompt instead of its document prompt; ``on_batch(n)`` is called after each batch."""
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
