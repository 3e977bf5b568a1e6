"""Impact indexes written by the java/ plugin (``org.lsrlucene.index.ImpactIndexer``): each impact goes straight into
the posting as the term frequency, instead of Anserini's term repeated impact times ("fake words").

The index has Anserini's impact-index conventions (fields ``id`` and ``contents``, ``DOCS_AND_FREQS``, the impact
similarity's norms, ``id`` doc values for tie-breaking), so Anserini's and Pyserini's searchers open it unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from .. import jvm
from ..errors import InputFileError, JvmError
from ..streams import progress as progress_bar

POLL_MS = 200


def _raise_failure(failure: Any, what: str) -> None:
    name = failure.getClass().getName()
    if name == "org.lsrlucene.index.BadRecordException":
        bad = jvm.cast(name, failure)
        raise InputFileError(bad.getFile(), bad.getReason(), line=int(bad.getLine()) or None,
                             item_id=bad.getDocId())
    raise JvmError(f"indexing {what} failed: {name}: {failure.getMessage()}")


def index_vector_files(files: Sequence[str | os.PathLike], index_dir: str | os.PathLike, threads: int = 2,
                       total: int | None = None, progress: bool = True, ram_buffer_mb: float = 0,
                       optimize: bool = False, update: bool = False, doc_terms: int = 0,
                       term_top_postings: int = 0) -> dict[str, int]:
    """Index the ``JsonVectorCollection`` JSONL files (plain or .gz) into a new index at ``index_dir``.

    Returns the counters ``indexed`` (documents), ``empty`` (records with an empty vector, skipped),
    ``postings`` (terms summed over documents) and ``impact_sum``. A bad record raises InputFileError naming its
    file, line and id; nothing is committed then. ``ram_buffer_mb`` 0 means Anserini's 4096 MB bounded by half
    the heap; ``optimize`` merges the index into one segment. ``update`` adds the documents to the existing index
    at ``index_dir`` instead, each replacing the document with its id (an empty vector deletes it), and adds the
    counters ``added``, ``replaced`` and ``deleted``. ``doc_terms`` > 0 prunes statically: each document keeps its
    ``doc_terms`` highest impacts (``postings`` counts the kept ones). ``term_top_postings`` > 0 also indexes, for
    approximate search, each term's ``term_top_postings`` highest-impact postings in a second field and every
    document's vector as doc values (the input is read twice).
    """
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    indexer = jvm.autoclass("org.lsrlucene.index.ImpactIndexer")(str(index_dir), int(threads), float(ram_buffer_mb),
                                                                 bool(optimize), bool(update))
    indexer.setDocTermLimit(int(doc_terms))
    indexer.setTermTopPostings(int(term_top_postings))
    bar = progress_bar(desc="index (plugin)", total=total, enabled=progress)
    indexer.start([str(Path(f)) for f in files])
    try:
        while not indexer.waitFor(POLL_MS):
            bar.n = int(indexer.indexed())
            bar.refresh()
    except BaseException:  # KeyboardInterrupt: stop the Java threads before the caller removes the folder
        indexer.cancel()
        indexer.waitFor(60_000)
        raise
    finally:
        bar.n = int(indexer.indexed())
        bar.close()
    failure = indexer.failure()
    if failure is not None:
        _raise_failure(failure, f"{len(files)} vector files into {index_dir}")
    counters = {"indexed": int(indexer.indexed()), "empty": int(indexer.empty()),
                "postings": int(indexer.postings()), "impact_sum": int(indexer.impactSum())}
    if update:
        counters.update(zip(("added", "replaced", "deleted"), map(int, indexer.updates().counts())))
    return counters
