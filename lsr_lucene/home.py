"""Where things live: the tool's home (models, jars), the repository checkout, and shared data folders."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
RESOURCES_DIR = PACKAGE_DIR / "resources"


def home_dir() -> Path:
    """``$LSR_LUCENE_HOME``, else ``~/.cache/lsr-lucene``: installed models and built jars."""
    return Path(os.environ.get("LSR_LUCENE_HOME") or Path.home() / ".cache" / "lsr-lucene")


def repo_root() -> Path | None:
    """The source checkout this package runs from (it holds ``java/``), or None for a plain install."""
    root = PACKAGE_DIR.parent
    return root if (root / "java").is_dir() else None


def shared_data_dirs() -> list[Path]:
    """Folders searched for collections by short name: ``$LSR_LUCENE_DATA`` (os.pathsep-separated), then
    ``../shared/data`` beside the checkout and beside the working directory."""
    dirs = [Path(p) for p in os.environ.get("LSR_LUCENE_DATA", "").split(os.pathsep) if p]
    root = repo_root()
    if root is not None:
        dirs.append(root.parent / "shared" / "data")
    dirs.append(Path.cwd().parent / "shared" / "data")
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in seen:
            seen.append(d.resolve())
    return seen
