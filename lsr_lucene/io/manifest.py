"""Manifests: one JSON file per output folder recording its config, its finished parts and their checksums.

The manifest is written last (atomically), so its presence with ``"complete": true`` marks a finished job; a partial
manifest lists the parts already done, which is what resuming reads.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..errors import ManifestError
from .atomic import write_text

MANIFEST = "manifest.json"


def manifest_path(folder: str | os.PathLike) -> Path:
    return Path(folder) / MANIFEST


def read_manifest(folder: str | os.PathLike) -> dict[str, Any]:
    """The manifest of ``folder``; ManifestError names the file when it is missing or unreadable."""
    path = manifest_path(folder)
    if not path.is_file():
        raise ManifestError(f"{path}: no manifest (is {Path(folder)} an output of lsr-lucene, and did it finish?)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict):
        raise ManifestError(f"{path}: manifest is not a JSON object")
    return manifest


def try_read_manifest(folder: str | os.PathLike) -> dict[str, Any] | None:
    return read_manifest(folder) if manifest_path(folder).is_file() else None


def write_manifest(folder: str | os.PathLike, manifest: dict[str, Any]) -> Path:
    path = manifest_path(folder)
    write_text(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return path


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def folder_size(path: str | os.PathLike) -> int:
    """Bytes of all files under ``path`` (a file's own size for a file)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
