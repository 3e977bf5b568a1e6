"""One Lucene impact index of vector files, by the engine chosen (the java/ plugin or Anserini)."""

from __future__ import annotations

from pathlib import Path


def build_index(files: list[Path], folder: Path, out: Path, engine: str, threads: int, total: int | None,
                progress: bool, optimize: bool = False) -> dict[str, int]:
    """Index vector ``files`` (all of ``folder``'s, for Anserini, which reads a whole folder) into ``out`` with
    ``engine`` (already resolved); the engine's counters."""
    from .anserini import index_collection

    if engine == "plugin":
        from .plugin import index_vector_files

        return index_vector_files(files, out, threads, total=total, progress=progress, optimize=optimize)
    return index_collection(folder, out, "JsonVectorCollection",
                            ["-impact", "-pretokenized"] + (["-optimize"] if optimize else []), threads,
                            total=total, progress=progress)
