"""The token store: every text's token-level sparse vectors as flat ``.npy`` arrays, opened memory-mapped and keyed
by the collection's own (string) ids. No pickle: ``np.load(mmap_mode="r", allow_pickle=False)`` reads every array.

Layout of a store folder (``tokens/`` beside the JSONL shards of an encode output)::

    manifest.json                kind lsr-lucene/token-store: config, parts, dtypes, totals; written last
    part-NNNNN/ids.npy           fixed-width UTF-8 ids (S<width>), in input order
    part-NNNNN/doc_entries.npy   int64 [docs + 1]: text i owns entries doc_entries[i] .. doc_entries[i + 1]
    part-NNNNN/tokens.npy        per entry, its token's position in the text (uint16), non-decreasing per text
    part-NNNNN/terms.npy         per entry, a vocabulary id (uint16 when the vocabulary has <= 65,536 terms)
    part-NNNNN/impacts.npy       per entry, a quantized weight >= 1 (uint16 when max impact <= 65,535)
    index_ids.npy, index_rows.npy  all ids sorted, with their global row: id lookup by binary search

Tokens without entries are not stored (they add nothing to a dot product); a document store may also leave out
tokens that can never be a maximum (``encoding.stages.tokens.dominated_tokens``).

A part holds the texts of one JSONL shard and is written (atomically, as a folder) before that shard is closed, so
a resumed encode finds a part for every finished shard; the id index and ``"complete": true`` come last.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import numpy as np

from ..errors import InputFileError, ManifestError
from .atomic import atomic_dir, atomic_open
from .manifest import sha256_file, try_read_manifest, write_manifest
from .shards import completed_manifest

TOKEN_STORE_KIND = "lsr-lucene/token-store"
TOKENS = "tokens"
_ARRAYS = ("ids", "doc_entries", "tokens", "terms", "impacts")


class TokenVectors(NamedTuple):
    """Token vectors of one text as entries: the token each entry belongs to (its position, non-decreasing), the
    entry's vocabulary id and its impact. A token without entries simply has none."""

    tokens: np.ndarray
    terms: np.ndarray
    impacts: np.ndarray

    @property
    def num_tokens(self) -> int:
        """Tokens holding at least one entry."""
        tokens = np.asarray(self.tokens)
        return int(np.count_nonzero(tokens[1:] != tokens[:-1]) + 1) if len(tokens) else 0


class Slices(NamedTuple):
    """Texts read in place from one set of entry arrays (a store part's own memory-mapped arrays, nothing copied):
    text i owns entries ``starts[i] .. ends[i]`` of ``tokens``, ``terms`` and ``impacts``."""

    starts: np.ndarray
    ends: np.ndarray
    tokens: np.ndarray
    terms: np.ndarray
    impacts: np.ndarray


class Gathered(NamedTuple):
    """Token vectors of ``count`` texts in the order asked for, read in place: each group pairs the positions (in
    that order) of the texts found in one store part with their ``Slices``. Token positions restart in each text."""

    count: int
    groups: list[tuple[np.ndarray, Slices]]

    @classmethod
    def of(cls, doc_entries: np.ndarray, vectors: TokenVectors) -> "Gathered":
        """From token vectors already back to back in memory: text i owns entries doc_entries[i] .. [i + 1]."""
        doc_entries = np.asarray(doc_entries, dtype=np.int64)
        count = len(doc_entries) - 1
        slices = Slices(doc_entries[:-1], doc_entries[1:], *(np.asarray(a) for a in vectors))
        return cls(count, [(np.arange(count), slices)])

    @property
    def lengths(self) -> np.ndarray:
        """Entries per text."""
        lengths = np.zeros(self.count, np.int64)
        for positions, slices in self.groups:
            lengths[positions] = slices.ends - slices.starts
        return lengths

    @property
    def vectors(self) -> TokenVectors:
        """All entries back to back, text by text (a copy)."""
        pieces: list[tuple[np.ndarray, ...]] = [()] * self.count
        for positions, slices in self.groups:
            for at, start, end in zip(positions.tolist(), slices.starts.tolist(), slices.ends.tolist()):
                pieces[at] = (slices.tokens[start:end], slices.terms[start:end], slices.impacts[start:end])
        if not pieces:
            return TokenVectors(*(np.zeros(0, np.int64) for _ in range(3)))
        return TokenVectors(*(np.concatenate([piece[f] for piece in pieces]) for f in range(3)))


def smallest_uint(max_value: int) -> np.dtype:
    """The narrowest of uint8/uint16/int32/int64 that holds 0 .. ``max_value``."""
    for dtype in (np.uint8, np.uint16, np.int32):
        if max_value <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def store_dtypes(vocab_size: int, max_impact: int, max_tokens: int) -> dict[str, str]:
    """Element types of the ``terms``, ``impacts`` and ``tokens`` arrays for these limits (``max_tokens``: tokens
    per text, e.g. the encoder's max length)."""
    return {"terms": smallest_uint(max(vocab_size - 1, 0)).str, "impacts": smallest_uint(max_impact).str,
            "tokens": smallest_uint(max(max_tokens - 1, 0)).str}


def _encode_ids(ids: Sequence[str], where: object) -> np.ndarray:
    raw = [i.encode("utf-8") for i in ids]
    for item_id, value in zip(ids, raw):
        if not value or b"\x00" in value:
            raise InputFileError(where, "ids must be non-empty and hold no NUL character", item_id=item_id)
    width = max((len(v) for v in raw), default=1)
    return np.array(raw, dtype=f"S{width}")


def _save(path: Path, array: np.ndarray) -> None:
    with atomic_open(path, "wb") as out:
        np.save(out, np.ascontiguousarray(array), allow_pickle=False)


def _load(path: Path, mmap: bool = True) -> np.ndarray:
    if not path.is_file():
        raise ManifestError(f"{path}: missing from the token store")
    try:
        array = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
        # a plain ndarray view of the same mapping: slicing an np.memmap runs Python code on every slice
        return array.view(np.ndarray) if isinstance(array, np.memmap) else array
    except ValueError as exc:
        raise InputFileError(path, f"not a plain .npy array ({exc})") from None


class TokenStoreWriter:
    """Write a token store part by part. ``config`` identifies the output (a resume with another config fails);
    ``dtypes`` come from :func:`store_dtypes`."""

    def __init__(self, folder: str | os.PathLike, config: dict[str, Any], dtypes: dict[str, str]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.dtypes = {key: np.dtype(value) for key, value in dtypes.items()}
        self.manifest: dict[str, Any] = {"kind": TOKEN_STORE_KIND, "config": config, "dtypes": dtypes, "parts": [],
                                         "complete": False}
        previous = try_read_manifest(self.folder)
        if previous is not None:
            for key in ("kind", "config", "dtypes"):
                if previous.get(key) != self.manifest[key]:
                    raise ManifestError(f"{self.folder}: holds a token store made with a different {key} "
                                        f"({previous.get(key)!r} != {self.manifest[key]!r}); use another folder")
            self.manifest = previous
        self._clear()

    def _clear(self) -> None:
        self._ids: list[str] = []
        self._tokens: list[np.ndarray] = []
        self._terms: list[np.ndarray] = []
        self._impacts: list[np.ndarray] = []

    @property
    def complete(self) -> bool:
        return bool(self.manifest.get("complete"))

    @property
    def parts_done(self) -> int:
        return len(self.manifest["parts"])

    def resume_at(self, parts: int) -> None:
        """Keep the first ``parts`` finished parts (those whose shards are finished) and drop any later one."""
        if self.parts_done < parts:
            raise ManifestError(f"{self.folder}: holds {self.parts_done} finished parts but the shards beside it "
                                f"need {parts}; delete the output folder and encode again")
        for part in self.manifest["parts"][parts:]:
            shutil.rmtree(self.folder / part["folder"], ignore_errors=True)
        self.manifest["parts"] = self.manifest["parts"][:parts]
        self.manifest["complete"] = False
        for stale in self.folder.glob(".part-*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
        self._clear()

    def add(self, item_id: str, vectors: TokenVectors) -> None:
        """Buffer one text's token vectors for the part in progress."""
        tokens, terms, impacts = (np.asarray(a) for a in vectors)
        if not len(tokens) == len(terms) == len(impacts):
            raise ValueError(f"token vectors of {item_id!r}: tokens, terms and impacts differ in length")
        if len(tokens) and (np.diff(tokens) < 0).any():
            raise ValueError(f"token vectors of {item_id!r}: entries are not grouped by token")
        self._ids.append(item_id)
        self._tokens.append(tokens)
        self._terms.append(terms)
        self._impacts.append(impacts)

    def flush_part(self) -> dict[str, Any] | None:
        """Write the buffered texts as the next part (atomically) and record it in the manifest."""
        if not self._ids:
            return None
        name = f"part-{self.parts_done:05d}"
        arrays = {
            "ids": _encode_ids(self._ids, self.folder / name),
            "doc_entries": np.concatenate([[0], np.cumsum([len(t) for t in self._terms])]).astype(np.int64),
            "tokens": np.concatenate(self._tokens),
            "terms": np.concatenate(self._terms),
            "impacts": np.concatenate(self._impacts),
        }
        for key in ("tokens", "terms", "impacts"):
            values, dtype = arrays[key], self.dtypes[key]
            if values.size and (values.min() < 0 or values.max() > np.iinfo(dtype).max):
                raise ManifestError(f"{self.folder / name}: {key} value {values.max()} does not fit {dtype}")
            arrays[key] = values.astype(dtype)
        tokens = sum(int(np.count_nonzero(t[1:] != t[:-1]) + 1) for t in self._tokens if len(t))
        with atomic_dir(self.folder / name) as tmp:
            for key, array in arrays.items():
                _save(tmp / f"{key}.npy", array)
        files = {key: {"bytes": (self.folder / name / f"{key}.npy").stat().st_size,
                       "sha256": sha256_file(self.folder / name / f"{key}.npy")} for key in _ARRAYS}
        part = {"folder": name, "docs": len(self._ids), "tokens": tokens, "entries": int(len(arrays["terms"])),
                "files": files}
        self.manifest["parts"].append(part)
        write_manifest(self.folder, self.manifest)
        self._clear()
        return part

    def finish(self, **extra: Any) -> dict[str, Any]:
        """Write the last part, the sorted id index and the manifest with ``complete: true``."""
        self.flush_part()
        ids = [np.load(self.folder / p["folder"] / "ids.npy", allow_pickle=False) for p in self.manifest["parts"]]
        width = max((a.dtype.itemsize for a in ids), default=1)
        all_ids = np.concatenate([a.astype(f"S{width}") for a in ids]) if ids else np.zeros(0, "S1")
        order = np.argsort(all_ids, kind="stable")
        ordered = all_ids[order]
        dup = np.flatnonzero(ordered[1:] == ordered[:-1])
        if dup.size:
            raise ManifestError(f"{self.folder}: id {ordered[dup[0]].decode('utf-8')!r} occurs twice; ids must be "
                                "unique")
        _save(self.folder / "index_ids.npy", ordered)
        _save(self.folder / "index_rows.npy", order.astype(np.int64))
        totals = {key: sum(p[key] for p in self.manifest["parts"]) for key in ("docs", "tokens", "entries")}
        self.manifest.update(totals=totals, complete=True, **extra)
        write_manifest(self.folder, self.manifest)
        return self.manifest


class _Part(NamedTuple):
    doc_entries: np.ndarray
    tokens: np.ndarray
    terms: np.ndarray
    impacts: np.ndarray


class TokenStore:
    """Read a finished token store, memory-mapped: only the pages of the texts asked for are read."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.manifest = completed_manifest(self.folder, TOKEN_STORE_KIND)
        self.config: dict[str, Any] = self.manifest["config"]
        self._parts: list[_Part] = []
        offsets = [0]
        for part in self.manifest["parts"]:
            where = self.folder / part["folder"]
            for key, info in part["files"].items():
                path = where / f"{key}.npy"
                if not path.is_file() or path.stat().st_size != info["bytes"]:
                    raise ManifestError(f"{path}: listed in {self.folder}/manifest.json but missing or changed")
            self._parts.append(_Part(*(_load(where / f"{key}.npy") for key in _ARRAYS[1:])))
            offsets.append(offsets[-1] + part["docs"])
        self._offsets = np.asarray(offsets, dtype=np.int64)
        self._index_ids = _load(self.folder / "index_ids.npy")
        self._index_rows = _load(self.folder / "index_rows.npy")
        if len(self._index_ids) != offsets[-1]:
            raise ManifestError(f"{self.folder}: the id index has {len(self._index_ids)} ids for {offsets[-1]} texts")

    def __len__(self) -> int:
        return int(self._offsets[-1])

    @property
    def vocab_size(self) -> int | None:
        return self.manifest.get("vocab_size")

    def ids(self) -> list[str]:
        """All ids in row order."""
        parts = [_load(self.folder / p["folder"] / "ids.npy") for p in self.manifest["parts"]]
        return [value.decode("utf-8") for part in parts for value in part.tolist()]

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        """Global row of each id; ManifestError names the first id that is not in the store."""
        width = self._index_ids.dtype.itemsize
        keys = np.array([i.encode("utf-8") for i in ids], dtype=bytes) if len(ids) else np.zeros(0, "S1")
        ok = np.ones(len(keys), bool)
        if keys.dtype.itemsize > width:  # longer than every stored id: cannot be there
            ok = np.char.str_len(keys) <= width
            keys = np.where(ok, keys, b"")
        keys = keys.astype(f"S{width}")
        found = np.searchsorted(self._index_ids, keys)
        found = np.minimum(found, max(len(self._index_ids) - 1, 0))
        if len(self._index_ids):
            ok &= self._index_ids[found] == keys
        else:
            ok[:] = False
        if not ok.all():
            missing = ids[int(np.flatnonzero(~ok)[0])]
            raise ManifestError(f"{self.folder}: id {missing!r} is not in the token store (was it encoded from "
                                "another collection?)")
        return np.asarray(self._index_rows[found], dtype=np.int64)

    def get(self, item_id: str) -> TokenVectors:
        """The token vectors of one text."""
        return self.gather(self.rows([item_id])).vectors

    def gather(self, rows: Sequence[int] | np.ndarray) -> Gathered:
        """Token vectors of ``rows``, in the order given, read in place from the memory-mapped parts."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError(f"row out of range 0..{len(self) - 1}")
        parts = np.searchsorted(self._offsets, rows, side="right") - 1
        groups = []
        one_part = len(self._parts) == 1 or bool((parts == parts[:1]).all())
        for p in (parts[:1] if one_part else np.unique(parts)).tolist():
            positions = np.arange(len(rows)) if one_part else np.flatnonzero(parts == p)
            local = rows[positions] - self._offsets[p]
            part = self._parts[p]
            groups.append((positions, Slices(part.doc_entries[local], part.doc_entries[local + 1], part.tokens,
                                             part.terms, part.impacts)))
        return Gathered(len(rows), groups)
