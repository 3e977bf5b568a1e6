"""Checkpoints: ``checkpoints/step-NNNNNN/`` holds the model (a sentence-transformers folder, Hugging Face weights),
the optimizer and RNG state (safetensors + JSON, no pickle) and ``state.json`` (written last: its presence marks a
finished checkpoint)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_dir, write_text

STATE = "state.json"


def checkpoint_dir(root: str | os.PathLike, step: int) -> Path:
    return Path(root) / "checkpoints" / f"step-{step:06d}"


def save_checkpoint(root: str | os.PathLike, step: int, model: Any, optimizer: Any, state: dict[str, Any]) -> Path:
    """Write the checkpoint of ``step`` (atomically) and return its folder."""
    import torch
    from safetensors.torch import save_file

    target = checkpoint_dir(root, step)
    with atomic_dir(target) as tmp:
        was_training = model.training
        model.save(str(tmp / "model"))
        model.train(was_training)  # sentence-transformers' save() leaves the model in eval mode
        tensors, layout = {}, {"param_groups": optimizer.state_dict()["param_groups"], "state": {}}
        for index, values in optimizer.state_dict()["state"].items():
            layout["state"][str(index)] = []
            for name, value in values.items():
                if torch.is_tensor(value):
                    tensors[f"{index}.{name}"] = value.detach().cpu().contiguous()
                    layout["state"][str(index)].append(name)
        tensors["rng.torch"] = torch.get_rng_state()
        save_file(tensors, str(tmp / "optimizer.safetensors"))
        write_text(tmp / "optimizer.json", json.dumps(layout) + "\n")
        write_text(tmp / STATE, json.dumps({"step": step, **state}, indent=1) + "\n")
    return target


def load_optimizer_state(folder: str | os.PathLike, optimizer: Any) -> None:
    """Restore the optimizer and torch RNG state saved by ``save_checkpoint``."""
    import torch
    from safetensors.torch import load_file

    folder = Path(folder)
    tensors = load_file(str(folder / "optimizer.safetensors"))
    layout = json.loads((folder / "optimizer.json").read_text(encoding="utf-8"))
    state = {int(index): {name: tensors[f"{index}.{name}"] for name in names}
             for index, names in layout["state"].items()}
    optimizer.load_state_dict({"state": state, "param_groups": layout["param_groups"]})
    torch.set_rng_state(tensors["rng.torch"])


def latest_checkpoint(root: str | os.PathLike) -> Path | None:
    """The finished checkpoint with the highest step, if any."""
    folders = sorted((Path(root) / "checkpoints").glob("step-*"))
    finished = [f for f in folders if (f / STATE).is_file()]
    return finished[-1] if finished else None


def read_state(folder: str | os.PathLike) -> dict[str, Any]:
    return json.loads((Path(folder) / STATE).read_text(encoding="utf-8"))


def prune_checkpoints(root: str | os.PathLike, keep: int, protect: Path | None = None) -> None:
    """Delete all but the ``keep`` newest finished checkpoints (never ``protect``)."""
    folders = sorted((Path(root) / "checkpoints").glob("step-*"))
    finished = [f for f in folders if (f / STATE).is_file()]
    for folder in finished[:-keep] if keep > 0 else finished:
        if protect is None or folder.resolve() != Path(protect).resolve():
            shutil.rmtree(folder, ignore_errors=True)
