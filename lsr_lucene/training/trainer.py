"""The training loop: prepared batches -> fast sparse encoding -> named loss terms -> AdamW, with checkpoints,
held-out evaluation, resume, a step log and a PNG of the curves.

Output folder (``TrainConfig.output_dir()``)::

    train_config.json   the resolved config (a resumed run must match it, except max_minutes/threads)
    log.jsonl           one record per step: loss terms, lambdas, lr, nonzeros, batch FLOPS, times
    dev.jsonl           held-out evaluations at each checkpoint
    curves.png          loss, nonzeros, FLOPS and held-out nDCG@10 over steps
    checkpoints/step-NNNNNN/   model/ (sentence-transformers folder) + optimizer state + state.json
    model/              the selected checkpoint's model (best held-out nDCG@10 so far, also when stopped by
                        max_minutes): what ``--model`` takes
    summary.json        timings (wall and CPU), selected step, held-out scores, data counts

A batch is a deterministic function of (seed, step), so a resumed run draws the same batches it would have drawn.
``device`` (``auto``: CUDA when present) is where the student and the teachers run; it is not part of the run's
identity, so a run may resume on another device.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import random
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from ..errors import ConfigError, ManifestError
from ..io.atomic import atomic_dir, atomic_open, write_text
from ..streams import progress
from .checkpoints import (checkpoint_dir, latest_checkpoint, load_optimizer_state, prune_checkpoints, read_state,
                          save_checkpoint)
from .config import TrainConfig
from .losses import NEEDS_TEACHER, make_loss
from .regularizers import make_regularizer
from .schedule import linear_lr, quadratic_warmup
from .step import Objective, train_step

_NOT_IDENTITY = ("max_minutes", "threads", "keep_checkpoints", "device")


def _identity(config: TrainConfig) -> dict[str, Any]:
    data = config.to_dict()
    for key in _NOT_IDENTITY:
        data.pop(key, None)
    return json.loads(json.dumps(data))


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def source_shares(counts: list[int], weights: list[float | None]) -> list[float]:
    """Each source's share of a batch: its weight, or (without one) a split of the rest by query count."""
    fixed = sum(w for w in weights if w is not None)
    if fixed > 1 + 1e-9 or any(w is not None and w < 0 for w in weights):
        raise ConfigError(f"data.sources weights must be >= 0 and sum to at most 1, got {weights}")
    free = sum(c for c, w in zip(counts, weights) if w is None)
    shares = [w if w is not None else (1 - fixed) * c / free if free else 0.0 for c, w in zip(counts, weights)]
    total = sum(shares)
    if total <= 0:
        raise ConfigError("data.sources weights leave nothing to sample")
    return [s / total for s in shares]


def _batch_indices(groups: list[list[int]], shares: list[float], batch_size: int, step: int, seed: int) -> list[int]:
    """Indices of the step's examples: each slot picks a source by share (seeded by the step), then takes the next
    examples of that source's per-epoch permutation, positioned by the source's expected draws so far (so a source's
    examples are seen about once per epoch of that source)."""
    rng = random.Random(f"{seed}:sources:{step}")
    picks = rng.choices(range(len(groups)), weights=shares, k=batch_size)
    out = []
    for source, count in enumerate([picks.count(i) for i in range(len(groups))]):
        if count == 0 or not groups[source]:
            continue
        # position of this source's stream: expected examples drawn before this step
        start = int(step * batch_size * shares[source])
        members = groups[source]
        for k in range(start, start + count):
            epoch, offset = divmod(k, len(members))
            out.append(members[_permutation(seed, source, epoch, len(members))[offset]])
    return out


@functools.lru_cache(maxsize=8)
def _permutation(seed: int, source: int, epoch: int, n: int) -> tuple[int, ...]:
    order = list(range(n))
    random.Random(f"{seed}:epoch:{source}:{epoch}").shuffle(order)
    return tuple(order)


def _optimizer(view: Any, config: TrainConfig) -> Any:
    import torch

    table = view.query_table.weight if view.query_table is not None else None
    decay, no_decay, table_params = [], [], []
    for name, param in view.model.named_parameters():
        if not param.requires_grad:
            continue
        if table is not None and param is table:
            table_params.append(param)
        elif param.ndim < 2 or "norm" in name.lower():
            no_decay.append(param)
        else:
            decay.append(param)
    groups = [{"params": decay, "weight_decay": config.optim.weight_decay, "base_lr": config.optim.lr},
              {"params": no_decay, "weight_decay": 0.0, "base_lr": config.optim.lr}]
    if table_params:
        groups.append({"params": table_params, "weight_decay": 0.0, "base_lr": config.optim.query_table_lr})
    return torch.optim.AdamW(groups, lr=config.optim.lr)


def _read_jsonl(path: Path, below_step: int) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["step"] < below_step]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with atomic_open(path) as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")


class Trainer:
    """One training run (see the module docstring). ``run()`` trains until ``optim.steps`` or ``max_minutes``."""

    def __init__(self, config: TrainConfig, progress: bool = True, say: Callable[[str], None] = print) -> None:
        self.config = config
        self.progress = progress
        self.say = say
        self.out = config.output_dir()

    # ----------------------------------------------------------------- setup
    def _check_config(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / "train_config.json"
        identity = _identity(self.config)
        if path.is_file():
            previous = json.loads(path.read_text(encoding="utf-8"))
            if _identity_from_saved(previous) != identity:
                raise ManifestError(f"{path}: this output folder holds a run with another config; use another "
                                    "name/output or delete the folder")
        write_text(path, json.dumps(self.config.to_dict(), indent=1) + "\n")

    def _setup(self) -> None:
        import torch
        from transformers import AutoTokenizer

        from ..device import resolve_device
        from ..models import resolve_model
        from .dataset import prepare
        from .dev import DEV_METRICS
        from .models import TrainingView, build_model, load_model

        config = self.config
        if config.threads:
            torch.set_num_threads(config.threads)
        self.device = device = resolve_device(config.device)
        _seed_everything(config.seed)
        started, cpu = time.time(), time.process_time()
        tokenizer = AutoTokenizer.from_pretrained(resolve_model(config.model.backbone))
        self.prepared = prepare(config.data, tokenizer, len(tokenizer), threads=config.threads or 2,
                                progress=self.progress, device=device)
        self.timings["prepare"] = {"wall_s": time.time() - started, "cpu_s": time.process_time() - cpu}
        self.resume_from = latest_checkpoint(self.out)
        if self.resume_from is not None:
            self.model = load_model(self.resume_from / "model")
        else:
            m = config.model
            self.model = build_model(m.kind, m.backbone, self.out, m.activation, m.head, self.prepared.idf,
                                     m.query_weights, m.head_bias_init)
        self.model.to(device)
        self.model.train()
        self.view = TrainingView(self.model, config.model.precision)
        losses = tuple((spec.name, spec.weight, make_loss(spec.name, self.model, **spec.params))
                       for spec in config.losses)
        if not losses:
            raise ConfigError("losses is empty: give at least one ranking loss")
        self.with_labels = any(spec.name in NEEDS_TEACHER for spec in config.losses)
        doc, query = config.document_regularizer, config.query_regularizer
        doc_reg = make_regularizer(doc.name, self.model, self.prepared.idf, **doc.params).to(device)
        query_reg = (make_regularizer(query.name, self.model, self.prepared.idf, **query.params).to(device)
                     if query.weight > 0 and not self.view.inference_free else None)
        m = config.model
        self.objective = Objective(losses, doc_reg, query_reg, m.max_query_length, m.max_doc_length,
                                   config.optim.max_grad_norm)
        self.optimizer = _optimizer(self.view, config)
        if not self.prepared.train:
            raise ConfigError("no training queries after the held-out split")
        if config.data.dev_metric not in DEV_METRICS:
            raise ConfigError(f"data.dev_metric must be one of {DEV_METRICS}, got {config.data.dev_metric!r}")
        self.teacher_weights = {_label(t): t.weight for t in config.data.teachers}
        if config.data.scale_teacher:
            scale = self._teacher_scale()["scale"]
            self.teacher_weights = {label: weight * scale for label, weight in self.teacher_weights.items()}
        self.dev_weights = _dev_weights(config.data.teachers, self.teacher_weights, config.data.dev_teachers)
        self.groups = [[i for i, e in enumerate(self.prepared.train) if e.query.source == s]
                       for s in range(len(self.prepared.sources))]
        self.shares = source_shares([len(g) for g in self.groups], [s.weight for s in config.data.sources])

    def _teacher_scale(self) -> dict[str, float]:
        """The factor that makes the teacher ensemble spread as the starting model does (median over 32 training
        queries of the per-query standard deviation of the scores of their first 20 candidates), measured once
        and kept in ``teacher_scale.json`` (a resumed run reads it back)."""
        import numpy as np
        import torch

        from .dev import encode_texts
        from .teachers import ensemble

        path = self.out / "teacher_scale.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        m, data = self.config.model, self.config.data
        sample = random.Random(f"{self.config.seed}:scale").sample(self.prepared.train, min(32, len(self.prepared.train)))
        keys = sorted({(e.query.source, d) for e in sample for d in e.candidates[:20]})
        row = {key: i for i, key in enumerate(keys)}
        student, teacher = [], []
        self.model.eval()
        with torch.inference_mode():  # each distinct document encoded once
            queries = encode_texts(self.view, [e.query.text for e in sample], m.max_query_length, False)
            texts = [self.prepared.sources[s].docs[d] for s, d in keys]
            docs = encode_texts(self.view, texts, m.max_doc_length, True)
            for i, example in enumerate(sample):
                rows = torch.tensor([row[(example.query.source, d)] for d in example.candidates[:20]])
                student.append(float((docs[rows] @ queries[i]).std(unbiased=False)))
                combined = ensemble({t: np.asarray(example.scores[t]) for t in self.teacher_weights},
                                    self.teacher_weights, data.normalization)
                teacher.append(float(combined[:20].std()))
        self.model.train()
        spread = {"student_spread": float(np.median(student)), "teacher_spread": float(np.median(teacher))}
        spread["scale"] = spread["student_spread"] / spread["teacher_spread"] if spread["teacher_spread"] > 0 else 1.0
        write_text(path, json.dumps(spread, indent=1) + "\n")
        self.say(f"teacher scaled x{spread['scale']:.2f} to the starting model's spread "
                 f"({spread['student_spread']:.2f} against {spread['teacher_spread']:.2f})")
        return spread

    # ----------------------------------------------------------------- one step
    def _step(self, step: int) -> dict[str, Any]:
        import torch

        from .dataset import make_batch

        config = self.config
        total_steps = config.optim.steps
        lr_scale = linear_lr(step, total_steps, config.optim.warmup_steps, 1.0)
        for group in self.optimizer.param_groups:
            group["lr"] = group["base_lr"] * lr_scale
        doc_cfg, query_cfg = config.document_regularizer, config.query_regularizer
        lam_d = quadratic_warmup(step, _warmup(doc_cfg.warmup_steps, total_steps), doc_cfg.weight)
        lam_q = quadratic_warmup(step, _warmup(query_cfg.warmup_steps, total_steps), query_cfg.weight)
        indices = _batch_indices(self.groups, self.shares, config.optim.batch_size, step, config.seed)
        examples = [self.prepared.train[i] for i in indices]
        batch = make_batch(self.prepared, examples, random.Random(f"{config.seed}:step:{step}"),
                           config.data.negatives, self.teacher_weights, config.data.normalization, self.with_labels,
                           config.data.negatives_depth)
        total, terms, queries, all_docs = train_step(self.view, self.optimizer, self.objective, batch.queries,
                                                     batch.columns, batch.labels, lam_d, lam_q)
        with torch.no_grad():
            p_doc = (all_docs > 0).float().mean(dim=0)
            p_query = (queries > 0).float().mean(dim=0)
            record = {"step": step, "loss": float(total), "terms": {k: float(v) for k, v in terms.items()},
                      "lr": config.optim.lr * lr_scale, "lambda_document": lam_d, "lambda_query": lam_q,
                      "doc_nnz": float((all_docs > 0).sum(dim=1).float().mean()),
                      "query_nnz": float((queries > 0).sum(dim=1).float().mean()),
                      "flops": float((p_doc * p_query).sum())}
        return record

    # ----------------------------------------------------------------- checkpoints
    def _checkpoint(self, step: int, records: list[dict], dev_rows: list[dict]) -> dict[str, Any]:
        from .curves import plot_curves
        from .dev import evaluate_dev

        config = self.config
        started, cpu = time.time(), time.process_time()
        scores = evaluate_dev(self.view, self.prepared, self.prepared.dev, config.data.dev_depth,
                              config.model.max_doc_length, config.model.max_query_length, self.dev_weights,
                              config.data.normalization)
        self.timings["dev"]["wall_s"] += time.time() - started
        self.timings["dev"]["cpu_s"] += time.process_time() - cpu
        row = {"step": step, **scores}
        dev_rows.append(row)
        best = self._best(dev_rows)
        folder = save_checkpoint(self.out, step, self.model, self.optimizer,
                                 {"dev": row, "best_step": best["step"]})
        _write_jsonl(self.out / "log.jsonl", records)
        _write_jsonl(self.out / "dev.jsonl", dev_rows)
        plot_curves(records, dev_rows, self.out / "curves.png", title=f"{config.name}")
        prune_checkpoints(self.out, config.keep_checkpoints, protect=checkpoint_dir(self.out, best["step"]))
        self.say(f"step {step}: held-out " + ", ".join(f"{k} {v:.4f}" if "@10" in k else f"{k} {v:.1f}"
                                                       for k, v in scores.items()) + f"; saved {folder}")
        return row

    # ----------------------------------------------------------------- run
    def run(self) -> dict[str, Any]:
        """Train (or resume) and return the summary (also written to summary.json)."""
        config = self.config
        invocation_start = time.time()
        self.timings = {"prepare": {}, "train": {"wall_s": 0.0, "cpu_s": 0.0}, "dev": {"wall_s": 0.0, "cpu_s": 0.0}}
        self._check_config()
        self._setup()
        start = 0
        if self.resume_from is not None:
            state = read_state(self.resume_from)
            start = int(state["step"])
            load_optimizer_state(self.resume_from, self.optimizer)
            previous = state.get("timings", {})
            for phase in ("train", "dev"):
                for key in ("wall_s", "cpu_s"):
                    self.timings[phase][key] += previous.get(phase, {}).get(key, 0.0)
            self.say(f"resuming {self.out} at step {start}")
        records = _read_jsonl(self.out / "log.jsonl", start)
        dev_rows = _read_jsonl(self.out / "dev.jsonl", start + 1)
        if start == 0 and not dev_rows:  # the starting model's held-out score: selection keeps it unless beaten
            self._checkpoint(0, records, dev_rows)
            self._save_timings(0)
        bar = progress(desc=f"train {config.name}", total=config.optim.steps, initial=start, unit=" step",
                       enabled=self.progress)
        stopped_early = False
        step = start
        try:
            while step < config.optim.steps:
                wall, cpu = time.time(), time.process_time()
                record = self._step(step)
                record["wall_s"], record["cpu_s"] = time.time() - wall, time.process_time() - cpu
                self.timings["train"]["wall_s"] += record["wall_s"]
                self.timings["train"]["cpu_s"] += record["cpu_s"]
                records.append(record)
                step += 1
                bar.update(1)
                bar.set_postfix(loss=f"{record['loss']:.3f}", d_nnz=f"{record['doc_nnz']:.0f}",
                                q_nnz=f"{record['query_nnz']:.0f}", refresh=False)
                over_time = (config.max_minutes is not None
                             and time.time() - invocation_start > 60 * config.max_minutes)
                if step % config.checkpoint_steps == 0 or step == config.optim.steps or over_time:
                    self._checkpoint(step, records, dev_rows)
                    self._save_timings(step)
                if over_time and step < config.optim.steps:
                    stopped_early = True
                    self.say(f"stopped at step {step} after {config.max_minutes} minutes; rerun to resume")
                    break
        finally:
            bar.close()
        if not dev_rows or dev_rows[-1]["step"] != step:
            self._checkpoint(step, records, dev_rows)
            self._save_timings(step)
        return self._finish(step, dev_rows, stopped_early)

    def _best(self, dev_rows: list[dict]) -> dict[str, Any]:
        """The held-out evaluation with the best ``data.dev_metric`` (the later one on a tie)."""
        metric = self.config.data.dev_metric
        return max(dev_rows, key=lambda r: (r.get(metric, 0.0), r["step"]))

    def _save_timings(self, step: int) -> None:
        folder = checkpoint_dir(self.out, step)
        state = read_state(folder)
        state["timings"] = {k: v for k, v in self.timings.items() if k != "prepare"}
        write_text(folder / "state.json", json.dumps(state, indent=1) + "\n")

    def _finish(self, step: int, dev_rows: list[dict], stopped_early: bool) -> dict[str, Any]:
        from .data import split_counts

        best = self._best(dev_rows)
        source = checkpoint_dir(self.out, best["step"]) / "model"
        with atomic_dir(self.out / "model") as tmp:  # the best so far, also after max_minutes (rerun resumes)
            shutil.copytree(source, tmp, dirs_exist_ok=True)
        self.timings["total"] = {key: sum(self.timings[p].get(key, 0.0) for p in ("prepare", "train", "dev"))
                                 for key in ("wall_s", "cpu_s")}
        summary = {"name": self.config.name, "steps_done": step, "complete": not stopped_early,
                   "selected_step": best["step"], "selected_dev": best, "dev": dev_rows,
                   "model": str(self.out / "model"), "device": str(self.device),
                   "timings": self.timings, "data": split_counts(self.prepared.sources),
                   "train_examples": len(self.prepared.train), "dev_examples": len(self.prepared.dev)}
        write_text(self.out / "summary.json", json.dumps(summary, indent=1) + "\n")
        return summary


def _warmup(steps: int | None, total: int) -> int:
    return total // 3 if steps is None else steps


def _dev_weights(teachers: Sequence[Any], weights: dict[str, float], names: Sequence[str]) -> dict[str, float]:
    """The teacher weights that ``agreement@10`` ranks by: those of the teachers ``names`` (all when empty)."""
    unknown = sorted(set(names) - {t.name for t in teachers})
    if unknown:
        raise ConfigError(f"data.dev_teachers names no teacher of data.teachers: {', '.join(unknown)}")
    return {_label(t): weights[_label(t)] for t in teachers if not names or t.name in names}


def _label(teacher: Any) -> str:
    from .teachers import teacher_label

    return teacher_label(teacher.name, teacher.model)


def _identity_from_saved(saved: dict[str, Any]) -> dict[str, Any]:
    saved = dict(saved)
    for key in _NOT_IDENTITY:
        saved.pop(key, None)
    return saved


def train(config: TrainConfig, progress: bool = True, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Train ``config`` (resuming its output folder if a checkpoint is there); the run summary."""
    return Trainer(config, progress, say).run()


def replace(config: TrainConfig, **changes: Any) -> TrainConfig:
    """``config`` with top-level fields changed (a convenience for scripts)."""
    return dataclasses.replace(config, **changes)
