"""The prepared training set: queries with their BM25 candidates and every teacher's scores, cached between runs,
and the batches drawn from it (one positive and ``negatives`` hard negatives per query, teacher labels attached).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..encoding.encoders.inference_free import idf_weights
from ..errors import ConfigError
from ..io.atomic import atomic_open
from ..io.jsonl import dumps, read_jsonl
from .config import DataConfig
from .data import Source, TrainQuery, load_source
from .negatives import bm25_candidates, candidate_list
from .teachers import TEACHERS, ensemble, teacher_label


@dataclass
class Example:
    query: TrainQuery
    candidates: list[str]
    """Doc ids: BM25 hits, then other retrievers' hits, then positives they all missed."""
    scores: dict[str, list[float]] = field(default_factory=dict)
    """Teacher label -> one score per candidate."""


@dataclass
class Batch:
    queries: list[str]
    columns: list[list[str]]
    """Document texts: column 0 holds the positives, columns 1.. the hard negatives."""
    labels: Any = None
    """[queries, 1 + negatives] teacher scores (None without teachers)."""


@dataclass
class Prepared:
    sources: list[Source]
    train: list[Example]
    dev: list[Example]
    idf: Any
    """[vocab] float32 tensor: IDF over the training corpora."""


CANDIDATES_VERSION = 3
"""Part of the cache key of prepared examples; raised when how candidates are chosen changes (2: a query's own
document is no longer a candidate; 3: candidates from several retrievers, positives chosen by the teacher)."""
BM25_SCORE_DEPTH = 100
"""BM25 hits searched per query when other retrievers add candidates, so that theirs have a BM25 score."""


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _teachers(config: DataConfig, device: Any) -> dict[str, Any]:
    """Teacher label -> loaded teacher on ``device``, for every teacher with a model (all but ``bm25``)."""
    from .teachers import make_teacher

    unknown = [c for c in config.candidates if c != "bm25" and c not in {t.name for t in config.teachers}]
    if unknown or "bm25" not in config.candidates:
        raise ConfigError(f"data.candidates {list(config.candidates)}: must hold bm25, and only retrievers listed "
                          "in data.teachers")
    return {teacher_label(t.name, t.model): make_teacher(t.name, t.model, t.max_length, device)
            for t in config.teachers if TEACHERS.get(t.name) is not None}


def _prepare_source(source: Source, index: int, config: DataConfig, cache: Path, threads: int,
                    progress: bool, device: Any = "auto") -> list[Example]:
    spec = {k: v for k, v in asdict(config.sources[index]).items() if k != "weight"}  # sampling only
    key = _digest(CANDIDATES_VERSION, spec, str(source.folder.resolve()), config.depth, config.candidates,
                  config.dev_fraction, config.seed, [asdict(t) for t in config.teachers], config.normalization,
                  len(source.queries))
    path = cache / f"prepared-{source.name}-{key}.jsonl"
    by_id = {q.id: q for q in source.queries}
    if path.is_file():
        return [Example(replace(by_id[r["id"]], positives=tuple(r["positives"])), r["candidates"], r["scores"])
                for _, r in read_jsonl(path)]
    teachers = _teachers(config, device)
    doc_ids = list(source.docs)
    texts = [source.docs[d] for d in doc_ids]
    corpus = f"{source.name}:{source.folder.resolve()}"
    queries = [q.text for q in source.queries]
    extra: list[list[str]] = [[] for _ in source.queries]
    for teacher in config.teachers:
        if teacher.name in config.candidates and teacher.name != "bm25":
            found = teachers[teacher_label(teacher.name, teacher.model)].search(corpus, doc_ids, texts, queries,
                                                                                config.depth, cache, progress)
            for more, rows in zip(extra, found):
                more.extend(doc_ids[i] for i in rows)
    only_bm25 = config.candidates == ("bm25",)
    run = bm25_candidates(source, source.queries, config.depth if only_bm25 else BM25_SCORE_DEPTH, cache, threads,
                          progress)
    examples = []
    for query, more in zip(source.queries, extra):
        ids, bm25 = candidate_list(query, [(h.doc_id, h.score) for h in run.get(query.id, [])], config.depth, more)
        if ids:
            examples.append(Example(query, ids, {"bm25": bm25}))
    position = {d: i for i, d in enumerate(doc_ids)}
    for label, teacher in teachers.items():
        scores = teacher.score(corpus, doc_ids, texts, [e.query.text for e in examples],
                               [[position[d] for d in e.candidates] for e in examples], cache, progress)
        for example, values in zip(examples, scores):
            example.scores[label] = [float(v) for v in values]
    weights = {teacher_label(t.name, t.model): t.weight for t in config.teachers}
    for example in examples:
        if not example.query.positives:  # the teacher's best candidate
            best = int(np.argmax(ensemble({t: np.asarray(example.scores[t]) for t in weights}, weights,
                                          config.normalization)))
            example.query = replace(example.query, positives=(example.candidates[best],))
    with atomic_open(path) as out:
        for e in examples:
            out.write(dumps({"id": e.query.id, "positives": e.query.positives, "candidates": e.candidates,
                             "scores": e.scores}) + "\n")
    return examples


def prepare(config: DataConfig, tokenizer: Any, vocab_size: int, threads: int = 2,
            progress: bool = True, device: Any = "auto") -> Prepared:
    """Load the sources, mine BM25 candidates, score them with every teacher (on ``device``) and compute IDF (all
    cached)."""
    if not config.sources:
        raise ConfigError("data.sources is empty: give at least one training source")
    cache = Path(config.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    sources = [load_source(s, i, config.dev_fraction, config.seed) for i, s in enumerate(config.sources)]
    train: list[Example] = []
    dev: list[Example] = []
    for index, source in enumerate(sources):
        examples = _prepare_source(source, index, config, cache, threads, progress, device)
        held_out = [e for e in examples if e.query.dev]
        dev.extend(random.Random(config.seed).sample(held_out, min(config.dev_max_queries, len(held_out))))
        train.extend(e for e in examples if not e.query.dev)
    idf_key = _digest([str(s.folder.resolve()) for s in sources], [len(s.docs) for s in sources],
                      getattr(tokenizer, "name_or_path", ""), vocab_size)
    idf_path = cache / f"idf-{idf_key}.npy"
    if idf_path.is_file():
        weights = np.load(idf_path, allow_pickle=False)
    else:
        weights = idf_weights((text for s in sources for text in s.docs.values()), tokenizer, vocab_size)
        with atomic_open(idf_path, "wb") as out:
            np.save(out, weights, allow_pickle=False)
    import torch

    idf = torch.from_numpy(weights)
    return Prepared(sources, train, dev, idf)


def _combined(example: Example, weights: dict[str, float], normalization: str) -> np.ndarray:
    """The teacher ensemble's score of each of the example's candidates."""
    missing = [t for t in weights if t not in example.scores]
    if missing:
        raise ConfigError(f"no teacher scores {missing} for query {example.query.id!r}; list the teacher in "
                          "data.teachers")
    return ensemble({t: np.asarray(example.scores[t]) for t in weights}, weights, normalization)


def make_batch(prepared: Prepared, examples: Sequence[Example], rng: random.Random, negatives: int,
               weights: dict[str, float], normalization: str, with_labels: bool,
               pool_depth: int | None = None) -> Batch:
    """One positive and ``negatives`` hard negatives per example (random documents of the same corpus when the
    candidates run out), with teacher labels when ``with_labels``. Negatives are drawn from all candidates, or from
    the teacher's best ``pool_depth`` when given."""
    queries, columns = [], [[] for _ in range(1 + negatives)]
    labels = []
    for example in examples:
        positives = set(example.query.positives)
        pool = [i for i, d in enumerate(example.candidates) if d not in positives]
        if pool_depth is not None:
            combined = _combined(example, weights, normalization)
            pool = sorted(pool, key=lambda i: -combined[i])[:pool_depth]
        picked = rng.sample(pool, min(negatives, len(pool)))
        pos_index = rng.choice([i for i, d in enumerate(example.candidates) if d in positives])
        docs = prepared.sources[example.query.source].docs
        chosen = [example.candidates[pos_index]] + [example.candidates[i] for i in picked]
        while len(chosen) < 1 + negatives:
            chosen.append(rng.choice(list(docs)))
        queries.append(example.query.text)
        for column, doc_id in zip(columns, chosen):
            column.append(docs[doc_id])
        if with_labels:
            combined = _combined(example, weights, normalization)
            low = float(combined.min()) if combined.size else 0.0
            row = [float(combined[pos_index])] + [float(combined[i]) for i in picked]
            row += [low] * (1 + negatives - len(row))
            labels.append(row)
    return Batch(queries, columns, np.asarray(labels, dtype=np.float32) if with_labels else None)
