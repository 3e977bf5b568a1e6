"""One Lucene impact index of vector files, by the engine chosen (the java/ plugin or Anserini)."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError


def build_index(files: list[Path], folder: Path, out: Path, engine: str, threads: int, total: int | None,
                progress: bool, optimize: bool = False, doc_terms: int = 0, term_top_postings: int = 0
                ) -> dict[str, int]:
    """Index vector ``files`` (all of ``folder``'s, for Anserini, which reads a whole folder) into ``out`` with
    ``engine`` (already resolved); the engine's counters. Plugin only: ``doc_terms`` > 0 keeps each document's
    ``doc_terms`` highest impacts; ``term_top_postings`` > 0 adds the fields of approximate search."""
    from .anserini import index_collection

    if engine == "plugin":
        from .plugin import index_vector_files

        return index_vector_files(files, out, threads, total=total, progress=progress, optimize=optimize,
                                  doc_terms=doc_terms, term_top_postings=term_top_postings)
    if doc_terms or term_top_postings:
        raise ConfigError("--prune-doc-terms and --term-top-postings need the java/ plugin engine, not Anserini's "
                          "IndexCollection")
    return index_collection(folder, out, "JsonVectorCollection",
                            ["-impact", "-pretokenized"] + (["-optimize"] if optimize else []), threads,
                            total=total, progress=progress)
