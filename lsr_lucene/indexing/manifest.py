"""What an index folder records about itself: whether it holds a Lucene index, its finished manifest and the Lucene
statistics stored in it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .. import jvm
from ..errors import InputFileError, ManifestError
from ..io.manifest import read_manifest

IMPACT_KIND = "lsr-lucene/impact-index"


def lucene_index_dir(index_dir: str | os.PathLike) -> Path:
    """``index_dir`` as a Path; InputFileError when it holds no Lucene index (no ``segments_N`` file)."""
    index_dir = Path(index_dir)
    if not (index_dir.is_dir() and any(index_dir.glob("segments_*"))):
        raise InputFileError(index_dir, "not a Lucene index (no segments_N file)")
    return index_dir


def index_manifest(index_dir: str | os.PathLike) -> dict[str, Any]:
    """The manifest of a finished index built by this tool."""
    manifest = read_manifest(index_dir)
    if not manifest.get("complete"):
        raise ManifestError(f"{index_dir}: index did not finish")
    return manifest


def _term_count(terms: Any) -> int:
    """Distinct terms (``Terms.size()`` is -1 across several segments: walk the merged term dictionary then)."""
    if terms is None:
        return 0
    size = int(terms.size())
    if size >= 0:
        return size
    it, size = terms.iterator(), 0
    while it.next() is not None:
        size += 1
    return size


def lucene_stats(index_dir: Path) -> dict[str, int]:
    """Documents, distinct terms, postings and total term frequency of the ``contents`` field."""
    with jvm.lucene_reader(index_dir) as reader:
        terms = jvm.autoclass("org.apache.lucene.index.MultiTerms").getTerms(
            jvm.cast("org.apache.lucene.index.IndexReader", reader), "contents")
        return {"documents": int(reader.numDocs()),
                "terms": _term_count(terms),
                "postings": int(terms.getSumDocFreq()) if terms is not None else 0,
                "total_term_frequency": int(terms.getSumTotalTermFreq()) if terms is not None else 0}
