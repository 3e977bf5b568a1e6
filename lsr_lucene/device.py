"""Where models run: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``, resolved to a ``torch.device`` in one place.

``auto`` takes the first CUDA device when torch sees one, else the CPU. A CUDA spec on a machine without CUDA (or
with fewer devices) is a ``ConfigError`` of one line. On CUDA, half-precision work runs under bfloat16 autocast
where the GPU supports it (Ampere and later), float16 otherwise (``half_dtype``); on the CPU nothing changes (the
encoders keep their CPU paths). ``check_spec`` checks the spelling only, without importing torch (for argparse).
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ConfigError

SPECS = ("auto", "cpu", "cuda", "cuda:N")
"""What a device option accepts (``N``: a CUDA device index)."""
_SPEC = re.compile(r"auto|cpu|cuda(:\d+)?")
CPU_BATCH_SIZE = 32
CUDA_BATCH_SIZE = 256
"""Default texts per batch: a GPU needs bigger batches than a CPU to be kept busy."""


def check_spec(spec: str) -> str:
    """``spec`` when it is spelled as a device (``auto``, ``cpu``, ``cuda``, ``cuda:N``); ConfigError otherwise."""
    if not isinstance(spec, str) or not _SPEC.fullmatch(spec):
        raise ConfigError(f"device {spec!r}: expected one of {', '.join(SPECS)}")
    return spec


def resolve_device(spec: str | Any = "auto") -> Any:
    """The ``torch.device`` for ``spec`` (a spec string, or a ``torch.device`` returned as is)."""
    import torch

    if isinstance(spec, torch.device):
        return spec
    spec = check_spec("auto" if spec is None else spec)
    if spec == "cpu" or (spec == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if spec == "auto":
        return torch.device("cuda", torch.cuda.current_device())
    if not torch.cuda.is_available():
        why = ("this torch build has no CUDA" if torch.version.cuda is None
               else "torch.cuda.is_available() is False (no driver or no visible GPU)")
        raise ConfigError(f"no CUDA device for --device {spec}: {why}; use --device cpu or auto")
    index = int(spec.split(":")[1]) if ":" in spec else torch.cuda.current_device()
    if index >= torch.cuda.device_count():
        raise ConfigError(f"no CUDA device for --device {spec}: {torch.cuda.device_count()} visible")
    return torch.device("cuda", index)


def on_cuda(device: Any) -> bool:
    """True for a CUDA ``torch.device`` (or an object whose ``device`` is one, such as an encoder)."""
    device = getattr(device, "device", device)
    return getattr(device, "type", None) == "cuda"


def half_dtype(device: Any) -> Any:
    """The half-precision dtype autocast uses on ``device``: bfloat16, or float16 on a CUDA GPU without bf16."""
    import torch

    if on_cuda(device) and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def default_batch_size(spec: str | Any = "auto") -> int:
    """Texts per batch when none is given: 32 on the CPU, 256 on CUDA."""
    return CUDA_BATCH_SIZE if on_cuda(resolve_device(spec)) else CPU_BATCH_SIZE


def to_device(array: Any, device: Any) -> Any:
    """A numpy array as a tensor on ``device``; on CUDA copied from pinned memory without blocking."""
    import torch

    tensor = torch.from_numpy(array)
    if not on_cuda(device):
        return tensor
    return tensor.pin_memory().to(device, non_blocking=True)
