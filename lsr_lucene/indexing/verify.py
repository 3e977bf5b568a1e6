"""Check an index against what went into it: document count, every id present once, and (for impact indexes)
a sample of documents whose postings must equal their quantized vectors."""

from __future__ import annotations

import os
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .. import jvm
from ..errors import ManifestError
from ..io.manifest import read_manifest
from ..types import ImpactVector
from .lookup import IndexLookup


@dataclass
class VerifyReport:
    index: str
    documents: int
    expected_documents: int | None
    duplicate_ids: list[str] = field(default_factory=list)
    missing_ids: list[str] = field(default_factory=list)
    unexpected_ids: list[str] = field(default_factory=list)
    postings: int | None = None
    expected_postings: int | None = None
    sampled: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.expected_documents in (None, self.documents) and not self.duplicate_ids
                and not self.missing_ids and not self.unexpected_ids and not self.mismatches
                and self.expected_postings in (None, self.postings))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def verify_index(index_dir: str | os.PathLike, vectors_dir: str | os.PathLike | None = None, sample: int = 100,
                 seed: int = 0) -> VerifyReport:
    """Verify an index built by lsr-lucene against its manifest (and, for impact indexes, its vectors)."""
    from ..io.vectors import shard_vectors, vectors_source
    from .anserini import BM25_KIND
    from .manifest import IMPACT_KIND

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    with jvm.lucene_reader(index_dir) as lucene:
        reader = IndexLookup(lucene)
        ids = reader.ids()
        report = VerifyReport(str(index_dir), len(ids), None, postings=reader.postings())
        seen: set[str] = set()
        report.duplicate_ids = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
        if manifest.get("kind") == BM25_KIND:
            counters = manifest["counters"]
            report.expected_documents = manifest["documents_read"] - counters["empty"] - counters["skipped"]
            return report
        if manifest.get("kind") != IMPACT_KIND:
            raise ManifestError(f"{index_dir}: not an index built by lsr-lucene (kind {manifest.get('kind')!r})")
        if manifest.get("pruning"):
            raise ManifestError(f"{index_dir}: statically pruned ({manifest['pruning']}), so its postings differ "
                                "from its vectors by design; verify checks unpruned indexes")
        source = vectors_source(vectors_dir or manifest["config"]["vectors"])
        if manifest.get("updates"):
            from .update import final_vectors

            found = _compare_with_vectors(reader, ids, final_vectors(source, manifest["updates"]), report, sample,
                                          seed)
            report.expected_documents, report.expected_postings = found
            return report
        totals = source.manifest["totals"]
        report.expected_documents = totals["records"] - totals.get("empty_vectors", 0)
        report.expected_postings = totals["postings"]
        _compare_with_vectors(reader, ids, shard_vectors(source.shard_dir), report, sample, seed)
        return report


def _compare_with_vectors(reader: IndexLookup, ids: list[str], records: Iterable[tuple[str, ImpactVector]],
                          report: VerifyReport, sample: int, seed: int) -> tuple[int, int]:
    """Fill missing/unexpected ids and check a reservoir sample of documents' postings against their vectors;
    the documents and postings of the non-empty vectors."""
    lucene_doc = {doc_id: n for n, doc_id in enumerate(ids)}
    rng = random.Random(seed)
    chosen: list[tuple[str, dict[str, int]]] = []
    vector_ids: set[str] = set()
    seen = postings = 0
    for doc_id, vector in records:
        if not vector:
            continue
        vector_ids.add(doc_id)
        seen += 1
        postings += len(vector)
        if len(chosen) < sample:
            chosen.append((doc_id, vector))
        elif (slot := rng.randrange(seen)) < sample:
            chosen[slot] = (doc_id, vector)
    report.missing_ids = sorted(vector_ids - lucene_doc.keys())[:20]
    report.unexpected_ids = sorted(lucene_doc.keys() - vector_ids)[:20]
    for doc_id, vector in chosen:
        if doc_id not in lucene_doc:
            continue
        report.sampled += 1
        for term, impact in vector.items():
            got = reader.freq(term, lucene_doc[doc_id])
            if got != impact:
                report.mismatches.append(f"{doc_id}: term {term!r} has impact {got} in the index, {impact} in "
                                         "the vectors")
                break
    return seen, postings
