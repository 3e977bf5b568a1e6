"""The scale corpus: a million or more realistic SPLADE-tiny document vectors, recombined from real encoded documents.

    PYTHONPATH=. python benchmarks/scale_corpus.py --docs 1000000 [--out benchmarks/work/scale/corpus-1000000]

Each synthetic document starts from a real document A (drawn uniformly from the pool of real encoded documents) and a
second real document B of the same collection. The terms A and B share stay; of the terms only A has, a fraction
``swap`` (rounded at random) is replaced by as many terms that only B has, each with its impact in B. The document
keeps A's length exactly, its impacts come from real documents, and since A and B play symmetric roles a term's
expected document frequency is its frequency in the pool (a term of A alone is dropped as often as a term of B alone
is taken). ``statistics``/``compare`` check these three distributions (document length, term document frequency,
impact) against the real vectors; tests/benchmarks/test_scale_corpus.py runs them on a small corpus.

``doc_scale`` requantizes the output (impact -> ceil(impact * doc_scale)), which the benchmark uses to stay within
BMP's integer widths (see benchmarks/bmp_anchor.py). Output is an ``lsr-lucene encode``-style folder (shards of
``shard_size`` records, manifest last, resumable: shard i depends only on the seed and i), which both indexers read.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

SOURCES = ("scifact", "arguana", "cacm", "cranfield", "medline", "adi")
"""Collections of ../shared/data whose SPLADE-tiny vectors make the pool (all with judged test queries)."""


@dataclass
class VectorPool:
    """Real document vectors as CSR rows over one term list; rows of a collection are contiguous."""

    terms: list[str]
    indptr: np.ndarray
    indices: np.ndarray
    impacts: np.ndarray
    collections: list[str]
    bounds: np.ndarray
    """Row range of collection c: ``bounds[c]`` to ``bounds[c + 1]``."""

    @property
    def num_docs(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def from_vectors(cls, groups: dict[str, Sequence[dict[str, int]]]) -> "VectorPool":
        """A pool of the non-empty vectors of each named group."""
        term_ids: dict[str, int] = {}
        indptr, indices, impacts, bounds = [0], [], [], [0]
        for vectors in groups.values():
            for vector in vectors:
                if not vector:
                    continue
                for term, impact in vector.items():
                    indices.append(term_ids.setdefault(term, len(term_ids)))
                    impacts.append(impact)
                indptr.append(len(indices))
            bounds.append(len(indptr) - 1)
        indptr_a = np.asarray(indptr, np.int64)
        rows = np.repeat(np.arange(len(indptr_a) - 1), np.diff(indptr_a))
        shuffled = np.argsort(rows + np.random.default_rng(0).random(len(rows)))  # terms of each row in random order
        return cls(list(term_ids), indptr_a, np.asarray(indices, np.int32)[shuffled],
                   np.asarray(impacts, np.int32)[shuffled], list(groups), np.asarray(bounds, np.int64))

    @classmethod
    def read(cls, folders: dict[str, Path], leave_out: dict[str, set[str]] | None = None) -> "VectorPool":
        """The pool of the documents of encode output folders, by collection name, without the ids ``leave_out``
        names for a collection."""
        from lsr_lucene.io.vectors import DOCS_KIND, read_vectors

        leave_out = leave_out or {}
        return cls.from_vectors({name: [v for doc_id, v in read_vectors(folder, DOCS_KIND)
                                        if doc_id not in leave_out.get(name, ())]
                                 for name, folder in folders.items()})

    def rows(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR (indptr from 0, indices, impacts) of rows ``start`` to ``stop``."""
        lo, hi = self.indptr[start], self.indptr[stop]
        return self.indptr[start:stop + 1] - lo, self.indices[lo:hi], self.impacts[lo:hi]


def _gather(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row number in ``rows`` of each entry, entry position, first entry of each row) of the entries of ``rows``,
    row after row."""
    lengths = indptr[rows + 1] - indptr[rows]
    firsts = np.cumsum(lengths) - lengths
    seg = np.repeat(np.arange(len(rows)), lengths)
    return seg, indptr[rows][seg] + np.arange(len(seg)) - firsts[seg], firsts


def _rank_in_row(mask: np.ndarray, seg: np.ndarray, firsts: np.ndarray) -> np.ndarray:
    """For each entry, how many entries of ``mask`` come before it in its row (entries grouped by row)."""
    before = np.cumsum(mask) - mask
    return before - np.append(before, 0)[firsts][seg]


def _shared(seg_a: np.ndarray, terms_a: np.ndarray, seg_b: np.ndarray, terms_b: np.ndarray, rows: int,
            vocab: int, block: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Masks: which entries of the A rows hold a term of the B row of the same number, and the reverse (a bitmap
    of ``block`` rows x ``vocab`` terms at a time, no sorting)."""
    in_b, in_a = np.zeros(len(seg_a), bool), np.zeros(len(seg_b), bool)
    table = np.zeros(block * vocab, bool)
    for lo in range(0, rows, block):
        sa = slice(*np.searchsorted(seg_a, [lo, lo + block]))
        sb = slice(*np.searchsorted(seg_b, [lo, lo + block]))
        keys_a = (seg_a[sa] - lo) * vocab + terms_a[sa]
        keys_b = (seg_b[sb] - lo) * vocab + terms_b[sb]
        table[keys_b] = True
        in_b[sa] = table[keys_a]
        table[keys_b] = False
        table[keys_a] = True
        in_a[sb] = table[keys_b]
        table[keys_a] = False
    return in_b, in_a


def _window(mask: np.ndarray, seg: np.ndarray, firsts: np.ndarray, counts: np.ndarray, size: np.ndarray,
            rng: np.random.Generator) -> np.ndarray:
    """A random cyclic window of ``size[row]`` of each row's ``mask`` entries (in the pool's shuffled term order)."""
    rank = _rank_in_row(mask, seg, firsts)
    offset = (rng.random(len(counts)) * counts).astype(np.int64)
    return mask & ((rank - offset[seg]) % np.maximum(counts, 1)[seg] < size[seg])


def recombine(pool: VectorPool, n: int, rng: np.random.Generator, swap: float = 0.5
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` synthetic documents as CSR (indptr, term ids, impacts): A's kept terms, then B's."""
    a = rng.integers(0, pool.num_docs, n)
    collection = np.searchsorted(pool.bounds, a, side="right") - 1
    lo, hi = pool.bounds[collection], pool.bounds[collection + 1]
    b = lo + (rng.random(n) * (hi - lo)).astype(np.int64)
    seg_a, pos_a, firsts_a = _gather(pool.indptr, a)
    seg_b, pos_b, firsts_b = _gather(pool.indptr, b)
    in_b, in_a = _shared(seg_a, pool.indices[pos_a], seg_b, pool.indices[pos_b], n, len(pool.terms))
    count_a = np.bincount(seg_a[~in_b], minlength=n)
    count_b = np.bincount(seg_b[~in_a], minlength=n)
    most = np.minimum(count_a, count_b)
    swaps = np.minimum(np.floor(swap * most + rng.random(n)).astype(np.int64), most)
    keep_a = ~_window(~in_b, seg_a, firsts_a, count_a, swaps, rng)
    take_b = _window(~in_a, seg_b, firsts_b, count_b, swaps, rng)
    kept = np.bincount(seg_a[keep_a], minlength=n)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(kept + swaps, out=indptr[1:])
    out = np.empty(indptr[-1], np.int64)  # where each kept entry goes: A's kept terms, then B's
    out_a = indptr[seg_a] + _rank_in_row(keep_a, seg_a, firsts_a)
    out_b = indptr[seg_b] + kept[seg_b] + _rank_in_row(take_b, seg_b, firsts_b)
    out[out_a[keep_a]] = pos_a[keep_a]
    out[out_b[take_b]] = pos_b[take_b]
    return indptr, pool.indices[out], pool.impacts[out]


def requantize(impacts: np.ndarray, doc_scale: float) -> np.ndarray:
    """``ceil(impact * doc_scale)``: every impact stays >= 1, so no term is lost."""
    if doc_scale == 1:
        return impacts
    return np.ceil(impacts * np.float64(doc_scale)).astype(np.int32)


@dataclass
class CorpusStats:
    """Histograms of document length (terms per document), term document frequency and impact."""

    num_docs: int = 0
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    df: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    impacts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def add(self, indptr: np.ndarray, indices: np.ndarray, impacts: np.ndarray, vocab: int) -> None:
        """Count the documents of one CSR block (term ids below ``vocab``)."""
        self.num_docs += len(indptr) - 1
        self.lengths = _add_hist(self.lengths, np.bincount(np.diff(indptr)))
        self.df = _add_hist(self.df, np.bincount(indices, minlength=vocab))
        self.impacts = _add_hist(self.impacts, np.bincount(impacts))

    def summary(self) -> dict[str, float]:
        """Mean and percentiles of length and impact; postings per document; terms used."""
        out = {"documents": self.num_docs, "terms_used": int((self.df > 0).sum())}
        for name, hist in (("length", self.lengths), ("impact", self.impacts)):
            out[f"{name}_mean"] = float((np.arange(len(hist)) * hist).sum() / max(hist.sum(), 1))
            for p in (5, 50, 95, 99):
                out[f"{name}_p{p}"] = int(np.searchsorted(np.cumsum(hist), p / 100 * hist.sum()))
        return out


def _add_hist(total: np.ndarray, part: np.ndarray) -> np.ndarray:
    if len(part) > len(total):
        total, part = part.astype(np.int64), total
    total = total.copy()
    total[:len(part)] += part
    return total


def pool_stats(pool: VectorPool, doc_scale: float = 1.0) -> CorpusStats:
    """The statistics of the real documents (requantized by ``doc_scale`` as the corpus is)."""
    stats = CorpusStats()
    stats.add(pool.indptr, pool.indices, requantize(pool.impacts, doc_scale), len(pool.terms))
    return stats


def _ks(p: np.ndarray, q: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance between two histograms over the same integer support."""
    size = max(len(p), len(q))
    cp = np.cumsum(np.pad(p, (0, size - len(p)))) / max(p.sum(), 1)
    cq = np.cumsum(np.pad(q, (0, size - len(q)))) / max(q.sum(), 1)
    return float(np.abs(cp - cq).max())


def compare(real: CorpusStats, synthetic: CorpusStats) -> dict[str, float]:
    """How far ``synthetic`` is from ``real``: KS distances of the length and impact distributions; the total
    variation distance of the postings' spread over terms (df / total postings, 0 = the same profile); the Spearman
    correlation of per-term document frequencies (terms of the real pool); KS distance of the df distribution."""
    from scipy.stats import spearmanr

    size = max(len(real.df), len(synthetic.df))
    df_real = np.pad(real.df, (0, size - len(real.df))).astype(np.float64)
    df_syn = np.pad(synthetic.df, (0, size - len(synthetic.df))).astype(np.float64)
    used = df_real > 0
    rel_real, rel_syn = df_real / real.num_docs, df_syn / synthetic.num_docs  # document frequency as a fraction
    bins = np.linspace(0, 1, 1001)
    return {"length_ks": _ks(real.lengths, synthetic.lengths),
            "impact_ks": _ks(real.impacts, synthetic.impacts),
            "df_profile_tv": 0.5 * float(np.abs(df_real / df_real.sum() - df_syn / df_syn.sum()).sum()),
            "df_spearman": float(spearmanr(df_real[used], df_syn[used]).statistic),
            "df_fraction_ks": _ks(np.histogram(rel_real[used], bins)[0], np.histogram(rel_syn[used], bins)[0])}


# ------------------------------------------------------------------------------------------------ writing

def _lines(ids: Sequence[str], indptr: np.ndarray, terms: np.ndarray, impacts: np.ndarray,
           term_json: list[str]) -> Iterator[str]:
    flat_terms, flat_impacts = terms.tolist(), impacts.tolist()
    for d, doc_id in enumerate(ids):
        lo, hi = int(indptr[d]), int(indptr[d + 1])
        vector = ",".join([f"{term_json[t]}:{w}" for t, w in zip(flat_terms[lo:hi], flat_impacts[lo:hi])])
        yield f'{{"id":"{doc_id}","contents":"","vector":{{{vector}}}}}\n'


def write_corpus(pool: VectorPool, docs: int, out: Path, seed: int = 0, swap: float = 0.5, doc_scale: float = 1.0,
                 shard_size: int = 50_000, chunk: int = 10_000, progress: bool = True) -> dict:
    """Write ``docs`` synthetic documents (ids ``s0000000`` ...) to the encode-style folder ``out`` and return its
    manifest (with the corpus statistics); resumes a partial folder of the same settings."""
    from lsr_lucene.io.atomic import atomic_open
    from lsr_lucene.io.shards import ShardedJsonlWriter, shard_entry
    from lsr_lucene.io.vectors import DOCS_KIND
    from lsr_lucene.streams import progress as progress_bar

    config = {"generator": "recombine", "docs": docs, "seed": seed, "swap": swap, "doc_scale": doc_scale,
              "pool": {"collections": pool.collections, "documents": pool.num_docs,
                       "postings": int(len(pool.indices))}}
    writer = ShardedJsonlWriter(out, DOCS_KIND, config, shard_size)
    if writer.complete:
        return writer.manifest
    term_json = [json.dumps(t, ensure_ascii=False) for t in pool.terms]
    width = max(7, len(str(docs - 1)))
    stats = CorpusStats()
    bar = progress_bar(desc="scale corpus", total=docs, enabled=progress)
    for shard in range(math.ceil(docs / shard_size)):
        # shard i depends on (seed, i) alone: a resumed run regenerates finished shards for the statistics only
        done = shard < len(writer.manifest["shards"])
        first, last = shard * shard_size, min(docs, (shard + 1) * shard_size)
        rng = np.random.default_rng([seed, shard])
        name = writer.shard_name(shard)
        postings = 0
        with contextlib.ExitStack() as stack:
            stream = None if done else stack.enter_context(atomic_open(out / name))
            for start in range(first, last, chunk):
                n = min(chunk, last - start)
                indptr, terms, impacts = recombine(pool, n, rng, swap)
                impacts = requantize(impacts, doc_scale)
                stats.add(indptr, terms, impacts, len(pool.terms))
                if stream is not None:
                    ids = [f"s{i:0{width}d}" for i in range(start, start + n)]
                    stream.writelines(_lines(ids, indptr, terms, impacts, term_json))
                postings += len(terms)
                bar.update(n)
        if not done:
            writer.commit_shard(shard_entry(out, name, last - first, {"postings": postings, "empty_vectors": 0}))
    bar.close()
    real = pool_stats(pool, doc_scale)
    return writer.finish(statistics=stats.summary(), real_statistics=real.summary(), fidelity=compare(real, stats),
                         max_impact=int(len(stats.impacts) - 1), vocab_size=len(pool.terms))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--doc-scale", type=float, default=1.0)
    parser.add_argument("--work", type=Path, default=Path(__file__).resolve().parent / "work")
    args = parser.parse_args(argv)
    from benchmarks.scale import pool

    out = args.out or args.work / "scale" / f"corpus-{args.docs}"
    manifest = write_corpus(pool(args.work), args.docs, out, args.seed, doc_scale=args.doc_scale)
    print(json.dumps({"out": str(out), **manifest["statistics"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
