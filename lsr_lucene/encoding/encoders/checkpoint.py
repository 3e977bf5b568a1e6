"""What a model folder holds, read from its files (no model is loaded): a plain Hugging Face masked/causal LM, or a
sentence-transformers sparse model (``modules.json``), Siamese or inference-free (``Router`` with a
``SparseStaticEmbedding`` query side).

From a sentence-transformers folder the encoders take the document transformer's subfolder, the ``SpladePooling``
activation (``relu`` = SPLADE's log(1+relu), ``log1p_relu`` = the l0 activation) and the query table, so that
``lsr-lucene encode --model PATH`` gives the vectors ``SparseEncoder(PATH)`` gives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ...errors import ConfigError
from ...models import resolve_model

_POOLING = "SpladePooling"
_STATIC = "SparseStaticEmbedding"
_ROUTER = "Router"


@dataclass(frozen=True)
class CheckpointLayout:
    kind: str
    """``splade`` (one encoder for queries and documents) or ``inference_free`` (query table, document encoder)."""
    document_model: str
    """Hugging Face checkpoint (folder or hub name) of the document encoder."""
    activation: str = "splade"
    """``splade`` = log(1+relu(x)); ``l0`` = log(1+log(1+relu(x)))."""
    query_table: str | None = None
    """Folder of the inference-free query side (``model.safetensors`` with a ``weight`` vector, tokenizer)."""


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: unreadable ({exc})") from None


def _pooling(folder: Path, module_path: str) -> str:
    from .activations import from_st_name

    config = _read_json(folder / module_path / "config.json")
    assert isinstance(config, dict)
    if config.get("pooling_strategy", "max") != "max":
        raise ConfigError(f"{folder / module_path}: pooling {config.get('pooling_strategy')!r} is not supported "
                          "(the encoder max-pools, as SPLADE v2 and later do)")
    return from_st_name(str(config.get("activation_function", "relu")))


def describe(model: str) -> CheckpointLayout:
    """The layout of ``model`` (a registered name, local folder or hub name; hub names are taken as plain LMs)."""
    location = resolve_model(model)
    folder = Path(location)
    modules_file = folder / "modules.json"
    if not folder.is_dir() or not modules_file.is_file():
        return CheckpointLayout("splade", location)
    modules = _read_json(modules_file)
    if not isinstance(modules, list) or not modules:
        raise ConfigError(f"{modules_file}: expected a list of modules")
    types = {str(m.get("type", "")).rsplit(".", 1)[-1]: m for m in modules}
    if _ROUTER in types:
        router = _read_json(folder / types[_ROUTER].get("path", "") / "router_config.json")
        assert isinstance(router, dict)
        structure, classes = router.get("structure", {}), router.get("types", {})
        document, query = structure.get("document", []), structure.get("query", [])
        if not document or classes.get(document[-1], "").rsplit(".", 1)[-1] != _POOLING:
            raise ConfigError(f"{folder}: the document route does not end in SpladePooling")
        activation = _pooling(folder, document[-1])
        doc_model = str(folder / document[0])
        if len(query) == 1 and classes.get(query[0], "").rsplit(".", 1)[-1] == _STATIC:
            return CheckpointLayout("inference_free", doc_model, activation, str(folder / query[0]))
        if query == document:
            return CheckpointLayout("splade", doc_model, activation)
        raise ConfigError(f"{folder}: unsupported query route {query} (expected SparseStaticEmbedding or the "
                          "document modules)")
    if _POOLING in types:
        first = modules[0]
        return CheckpointLayout("splade", str(folder / first.get("path", "")), _pooling(folder, types[_POOLING]["path"]))
    return CheckpointLayout("splade", location)  # a sentence-transformers folder without SPLADE pooling: plain LM
