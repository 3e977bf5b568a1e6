#!/usr/bin/env python
"""SPLADE-tiny on one GPU: our encoder against sentence-transformers' ``SparseEncoder.encode_document`` on the same
device, fp32 and half precision, plus agreement with a CPU fp32 reference and the training step's speed.

    PYTHONPATH=. python benchmarks/gpu.py --model benchmarks/work/splade-tiny [--docs 50000] [--out DIR]
    PYTHONPATH=. python benchmarks/gpu.py --dry-run          # the same on the CPU, tiny sizes (about a minute)

Needs only torch, transformers, sentence-transformers, numpy, tqdm and safetensors: no JVM, Pyserini, faiss, numba,
ir_measures, ir_datasets or pydantic (``tests/benchmarks/test_gpu.py`` runs it with those blocked). The documents
are the SciFact corpus embedded in the package, repeated (with new ids) up to ``--docs``.

Measured, one side after the other in this process, each after a warm-up batch and with the model loaded:

- ours, encoder only: ``SpladeEncoder.encode`` (tokenize, length-sorted batches, float rows back on the CPU) with
  ``--dtype`` fp32, bf16 (the default: the vocabulary projection in half precision) and bf16-all (the transformer
  under autocast too);
- ours, encode stage: ``encode_documents`` as ``lsr-lucene encode`` runs it (also quantizes and writes the
  ``JsonVectorCollection`` shards; on CUDA the next window is encoded while one is written);
- sentence-transformers: ``SparseEncoder.encode_document(..., save_to_cpu=True)`` on the same model folder
  (Transformer fill-mask + SpladePooling max/relu), weights cast to half precision for its half row;
- agreement: the first ``--sample`` documents of each of our outputs against a CPU fp32 encode of them (the
  statistics of ``benchmarks/encode.py``, in impact units of 1/100);
- training: ``training.step.train_step`` (the trainer's own step) on batches shaped like
  ``configs/train/splade-tiny-arg-scaled.toml`` (queries x (1 + negatives) documents, its lengths, losses,
  regularizers and learning rate) with random teacher scores. The trainer itself cannot run here: it mines BM25
  candidates with Lucene (a JVM) and reads its config with pydantic.

``python -m pyserini.encode --device cuda:0 --fp16`` runs as an anchor only where Pyserini is installed (and not in
a dry run, unless ``--anchor``); otherwise a line says it was skipped. Results: ``gpu.json`` and ``gpu.md`` in
``--out`` (default ``$OUT``, else ``benchmarks/work/gpu``); encoded shards go to ``--work``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import shutil
import sys
import time
import tomllib
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.encode import compare_weights, shard_weights  # noqa: E402

CORPUS = REPO / "lsr_lucene" / "resources" / "collections" / "scifact" / "corpus.jsonl.gz"
RECIPE = REPO / "configs" / "train" / "splade-tiny-arg-scaled.toml"
FULL = {"device": "auto", "docs": 50_000, "sample": 500, "max_length": 512, "batch_size": 256, "warmup": 512,
        "train_steps": 30, "train_batch": 32, "anchor": True}
DRY = {"device": "cpu", "docs": 200, "sample": 50, "max_length": 128, "batch_size": 32, "warmup": 16,
       "train_steps": 1, "train_batch": 2, "anchor": False}
"""--dry-run: the whole benchmark on the CPU at sizes that run here in about a minute (without the Pyserini anchor
unless --anchor)."""
OURS = {"fp32": "ours fp32", "bf16": "ours bf16 (half projection)", "bf16-all": "ours bf16-all (autocast)"}
"""Our dtypes: ``bf16`` runs the projection in half precision, ``bf16-all`` the transformer too."""


def say(text: str) -> None:
    print(f"gpu benchmark: {text}", file=sys.stderr, flush=True)


def corpus(n: int, source: Path = CORPUS) -> list[Any]:
    """``n`` documents: ``source`` (BEIR JSONL, gzipped) read in order and repeated, repeats with ``-rK`` ids."""
    from lsr_lucene.types import Doc

    with gzip.open(source, "rt", encoding="utf-8") as lines:
        base = [json.loads(line) for line in lines if line.strip()]
    docs = []
    for i in range(n):
        row, repeat = base[i % len(base)], i // len(base)
        doc_id = str(row["_id"]) + (f"-r{repeat}" if repeat else "")
        docs.append(Doc(doc_id, row.get("title") or "", row.get("text") or ""))
    return docs


class Clock:
    """Wall time of a block, with the device's queue drained at both ends, and its peak GPU memory."""

    def __init__(self, device: Any) -> None:
        import torch

        self.torch, self.cuda = torch, device.type == "cuda"
        self.device = device

    def run(self, call: Callable[[], Any]) -> tuple[float, float | None, Any]:
        """(seconds, peak GPU memory in MiB or None on the CPU, result) of ``call()``."""
        if self.cuda:
            self.torch.cuda.synchronize(self.device)
            self.torch.cuda.reset_peak_memory_stats(self.device)
        started = time.perf_counter()
        result = call()
        if self.cuda:
            self.torch.cuda.synchronize(self.device)
        seconds = time.perf_counter() - started
        peak = self.torch.cuda.max_memory_allocated(self.device) / 2**20 if self.cuda else None
        return seconds, peak, result


def ours(docs: list[Any], model: str, dtype: str, device: Any, opts: dict[str, Any], work: Path,
         clock: Clock) -> dict[str, Any]:
    """Our encoder alone, then the encode stage writing shards to ``work/ours-<dtype>``."""
    from lsr_lucene.encoding.encoders.splade import SpladeEncoder
    from lsr_lucene.encoding.stages.settings import EncodeSettings
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, encode_documents

    length, batch = opts["max_length"], opts["batch_size"]
    encoder = SpladeEncoder(model, dtype=dtype, device=device)
    texts = [d.contents for d in docs]
    encoder.encode(texts[:opts["warmup"]], length, batch)
    seconds, peak, rows = clock.run(lambda: encoder.encode(texts, length, batch))
    out = work / f"ours-{dtype}"
    shutil.rmtree(out, ignore_errors=True)
    settings = EncodeSettings(batch_size=batch, progress=False, device=str(device))
    config = EncodeConfig(model=model, max_length=length, dtype=dtype)
    stage_s, stage_peak, manifest = clock.run(lambda: encode_documents(docs, out, config, settings, encoder=encoder))
    return {"docs_per_s": len(docs) / seconds, "seconds": seconds, "peak_gpu_mib": peak,
            "nnz_per_doc": sum(len(r.ids) for r in rows) / len(rows),
            "stage_docs_per_s": len(docs) / stage_s, "stage_seconds": stage_s, "stage_peak_gpu_mib": stage_peak,
            "manifest_device": manifest["device"], "output": str(out)}


def sparse_encoder(model: str, device: Any, work: Path) -> Any:
    """SPLADE-tiny as a sentence-transformers ``SparseEncoder`` (fill-mask Transformer + SpladePooling max/relu), as
    ``lsr_lucene.training.models.build_model`` builds it; sentence-transformers 5.0-5.3 name the modules otherwise."""
    try:
        from lsr_lucene.training.models import build_model

        return build_model("splade", model, work).to(device)
    except ImportError:
        from sentence_transformers import SparseEncoder
        from sentence_transformers.sparse_encoder.models import MLMTransformer, SpladePooling

        return SparseEncoder(modules=[MLMTransformer(model), SpladePooling("max")], device=str(device))


def theirs(docs: list[Any], model: str, half: bool, device: Any, opts: dict[str, Any], work: Path,
           clock: Clock) -> dict[str, Any]:
    """sentence-transformers' ``encode_document`` on the same texts (weights in half precision when ``half``)."""
    from lsr_lucene.device import half_dtype

    encoder = sparse_encoder(model, device, work)
    if half:
        encoder.to(half_dtype(device))
    encoder.max_seq_length = opts["max_length"]
    texts = [d.contents for d in docs]

    def encode(chunk: list[str]) -> Any:
        return encoder.encode_document(chunk, batch_size=opts["batch_size"], show_progress_bar=False,
                                       save_to_cpu=True)

    encode(texts[:opts["warmup"]])
    seconds, peak, vectors = clock.run(lambda: encode(texts))
    vectors = vectors if isinstance(vectors, list) else [vectors]
    nnz = sum(int(v.coalesce().values().count_nonzero()) for v in vectors) / len(texts)
    return {"docs_per_s": len(docs) / seconds, "seconds": seconds, "peak_gpu_mib": peak, "nnz_per_doc": nnz,
            "dtype": str(half_dtype(device)).removeprefix("torch.") if half else "float32"}


def reference(docs: list[Any], model: str, opts: dict[str, Any], work: Path) -> Path:
    """The first ``sample`` documents encoded on the CPU in fp32 (``work/cpu-fp32``)."""
    from lsr_lucene.encoding.stages.settings import EncodeSettings
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, encode_documents

    out = work / "cpu-fp32"
    shutil.rmtree(out, ignore_errors=True)
    encode_documents(docs[:opts["sample"]], out, EncodeConfig(model=model, max_length=opts["max_length"],
                                                              dtype="fp32"),
                     EncodeSettings(progress=False, device="cpu"))
    return out


def training(model: str, device: Any, docs: list[Any], opts: dict[str, Any], work: Path,
             clock: Clock) -> dict[str, Any]:
    """Steps/s of ``train_step`` on batches shaped like the recipe ``RECIPE`` (see the module docstring)."""
    import numpy as np
    import torch

    from lsr_lucene.training.losses import make_loss
    from lsr_lucene.training.models import TrainingView
    from lsr_lucene.training.regularizers import make_regularizer
    from lsr_lucene.training.step import Objective, train_step

    recipe = tomllib.loads(RECIPE.read_text(encoding="utf-8"))
    spec, optim = recipe["model"], recipe["optim"]
    queries = opts["train_batch"]
    columns = 1 + recipe["data"]["negatives"]
    student = sparse_encoder(model, device, work)
    student.train()
    view = TrainingView(student, "bf16")
    losses = tuple((loss["name"], loss.get("weight", 1.0), make_loss(loss["name"], student, **loss.get("params", {})))
                   for loss in recipe["losses"])
    regularizers = [make_regularizer(recipe[side]["name"], student).to(device)
                    for side in ("document_regularizer", "query_regularizer")]
    objective = Objective(losses, *regularizers, spec["max_query_length"], spec["max_doc_length"],
                          optim.get("max_grad_norm", 1.0))
    optimizer = torch.optim.AdamW(list(view.parameters()), lr=optim["lr"])
    rng = random.Random(13)
    labels = np.random.default_rng(13).normal(size=(queries, columns)).astype(np.float32)
    lambdas = (recipe["document_regularizer"]["weight"], recipe["query_regularizer"]["weight"])

    def step() -> None:
        batch = rng.sample(docs, queries * columns)
        titles = [d.title or d.text[:100] for d in batch[:queries]]
        texts = [[d.text for d in batch[c * queries:(c + 1) * queries]] for c in range(columns)]
        train_step(view, optimizer, objective, titles, texts, labels, *lambdas)

    step()
    seconds, peak, _ = clock.run(lambda: [step() for _ in range(opts["train_steps"])])
    return {"steps_per_s": opts["train_steps"] / seconds, "steps": opts["train_steps"], "seconds": seconds,
            "peak_gpu_mib": peak, "queries_per_step": queries, "documents_per_step": queries * columns,
            "max_doc_length": spec["max_doc_length"], "max_query_length": spec["max_query_length"],
            "losses": [name for name, _, _ in losses], "recipe": str(RECIPE.relative_to(REPO)),
            "trainer": "not run: the trainer mines BM25 candidates with Lucene (JVM) and reads its config with "
                       "pydantic; this is its train_step on recipe-shaped batches with random teacher scores"}


def pyserini_anchor(docs: list[Any], model: str, device: Any, opts: dict[str, Any], work: Path) -> dict[str, Any]:
    """``python -m pyserini.encode`` on the same documents (``--fp16`` on CUDA), where Pyserini is installed."""
    import importlib.util

    from benchmarks import encode

    try:
        installed = importlib.util.find_spec("pyserini") is not None
    except ImportError:
        installed = False
    if not installed:
        return {"skipped": "Pyserini is not installed on this machine"}
    if not opts["anchor"]:
        return {"skipped": "a dry run (--anchor runs it)"}
    corpus_file = work / "pyserini-corpus.jsonl"
    with open(corpus_file, "w", encoding="utf-8") as out:
        for d in docs:
            out.write(json.dumps({"id": d.id, "title": d.title, "text": d.text}) + "\n")
    extra = ["--fp16"] if device.type == "cuda" else []
    spec = {"corpus": str(corpus_file), "output": str(work / "pyserini"), "model": model,
            "max_length": opts["max_length"], "batch_size": opts["batch_size"], "threads": os.cpu_count() or 1,
            "device": str(device), "extra": extra}
    run = encode._spawn("pyserini", spec)
    return {"docs_per_s": len(docs) / run["wall"], "wall_s": run["wall"],
            "flags": " ".join(["--device", str(device), *extra]), "note": "child process; model load and JVM included"}


def environment(device: Any) -> dict[str, Any]:
    import torch
    import transformers

    try:
        import sentence_transformers
        st_version = sentence_transformers.__version__
    except ImportError:
        st_version = None
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    return {"device": str(device), "gpu": gpu, "torch": torch.__version__, "cuda": torch.version.cuda,
            "transformers": transformers.__version__, "sentence_transformers": st_version,
            "python": platform.python_version(), "cpus": os.cpu_count(),
            "load_before": os.getloadavg()[0]}


def attempt(label: str, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``call()``, or ``{"error": ...}`` when it fails (another library version on the GPU machine must not cost the
    other measurements of a one-off run)."""
    try:
        return call()
    except Exception as exc:  # recorded and reported, not raised
        message = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
        say(f"{label} failed: {message}")
        return {"error": message}


def run(model: str, opts: dict[str, Any], work: Path) -> dict[str, Any]:
    """Every measurement (see the module docstring); the result as one dict."""
    from lsr_lucene.device import resolve_device
    from lsr_lucene.models import resolve_model

    device = resolve_device(opts["device"])
    if device.type != "cuda" and opts["docs"] > 5000:
        raise SystemExit("benchmarks/gpu.py: no CUDA device here; for a CPU check run --dry-run (or --device cpu "
                         "--docs 200)")
    model = resolve_model(model)
    work.mkdir(parents=True, exist_ok=True)
    docs = corpus(opts["docs"])
    clock = Clock(device)
    result: dict[str, Any] = {"name": "gpu", "environment": environment(device), "options": dict(opts),
                              "model": model, "docs": len(docs), "sides": {}, "agreement": {}, "ratios": {}}
    sides = result["sides"]
    for dtype in OURS:
        say(f"ours {dtype} on {device}: {len(docs)} documents")
        sides[f"ours-{dtype}"] = attempt(f"ours {dtype}", lambda: ours(docs, model, dtype, device, opts, work, clock))
    for half in (False, True):
        label = "sentence-transformers-" + ("half" if half else "fp32")
        say(f"{label} on {device}")
        sides[label] = attempt(label, lambda: theirs(docs, model, half, device, opts, work, clock))
    say(f"CPU fp32 reference of {opts['sample']} documents")
    ref = shard_weights(reference(docs, model, opts, work))
    for dtype, label in OURS.items():
        if "output" in sides[f"ours-{dtype}"]:
            mine = shard_weights(Path(sides[f"ours-{dtype}"]["output"]), limit=len(ref))
            result["agreement"][dtype] = compare_weights(mine, ref, (str(device), "cpu-fp32"))
        key = "fp32" if dtype == "fp32" else "half"
        mine, other = sides[f"ours-{dtype}"], sides[f"sentence-transformers-{key}"]
        if "docs_per_s" in mine and "docs_per_s" in other:
            result["ratios"][f"{label} docs/s vs SparseEncoder {key}"] = mine["docs_per_s"] / other["docs_per_s"]
    say(f"training steps on {device}")
    result["training"] = attempt("training", lambda: training(model, device, docs, opts, work, clock))
    say("pyserini.encode anchor")
    result["pyserini"] = attempt("pyserini.encode", lambda: pyserini_anchor(docs, model, device, opts, work))
    if "skipped" in result["pyserini"]:
        say(f"pyserini.encode --device {device} --fp16 skipped: {result['pyserini']['skipped']}")
    result["load_after"] = os.getloadavg()[0]
    return result


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _row(label: str, side: dict[str, Any], rate: str = "docs_per_s", peak: str = "peak_gpu_mib",
         nnz: str | None = "nnz_per_doc") -> str:
    if "error" in side:
        return f"| {label} | failed: {side['error']} | | |"
    return (f"| {label} | {side[rate]:,.0f} | {_mib(side[peak])} | "
            f"{'' if nnz is None else format(side[nnz], '.0f')} |")


def markdown(result: dict[str, Any]) -> str:
    env, opts, s = result["environment"], result["options"], result["sides"]
    lines = [
        f"SPLADE-tiny on {env['gpu'] or env['device']} ({env['device']}; torch {env['torch']}, CUDA {env['cuda']}, "
        f"transformers {env['transformers']}, sentence-transformers {env['sentence_transformers']}, "
        f"{env['cpus']} CPUs, load {env['load_before']:.1f} before / {result['load_after']:.1f} after): "
        f"{result['docs']:,} SciFact documents (the embedded corpus repeated), max length {opts['max_length']}, "
        f"batch size {opts['batch_size']}, model loaded and warmed up before timing.",
        "",
        "| side | docs/s | peak GPU MiB | nonzeros/doc |",
        "|---|---:|---:|---:|",
    ]
    for dtype, label in OURS.items():
        side = s[f"ours-{dtype}"]
        lines.append(_row(f"{label}, encoder only", side))
        lines.append(_row(f"{label}, encode stage (shards written)", side, "stage_docs_per_s", "stage_peak_gpu_mib",
                          None))
    for key in ("fp32", "half"):
        side = s[f"sentence-transformers-{key}"]
        lines.append(_row(f"SparseEncoder.encode_document {side.get('dtype', key)} — anchor", side))
    p = result["pyserini"]
    label = f"`python -m pyserini.encode {p.get('flags', '--fp16')}` (model load and JVM included)"
    lines.append(f"| {label} | " + (f"{p['docs_per_s']:,.0f} | | |" if "docs_per_s" in p
                                    else f"{p.get('skipped') or p['error']} | | |"))
    lines += ["", "Ratios: " + ("; ".join(f"{k} **{v:.2f}x**" for k, v in result["ratios"].items()) or "none") + ".",
              "", "Agreement with a CPU fp32 encode of the first documents (impact units of 1/100):", "",
              "| ours on the device | docs | mean abs diff | 99.9th pct | max | top-10 Jaccard |",
              "|---|---:|---:|---:|---:|---:|"]
    for dtype, a in result["agreement"].items():
        lines.append(f"| {OURS[dtype]} | {a['docs']} | {a['mean_abs_diff_units']:.3f} | {a['p999_abs_diff_units']:.2f} | "
                     f"{a['max_abs_diff_units']:.2f} | {a['top10_jaccard_mean']:.3f} |")
    t = result["training"]
    if "error" in t:
        lines += ["", f"Training step: failed: {t['error']}."]
    else:
        lines += ["", f"Training ({t['recipe']}-shaped step: {t['queries_per_step']} queries, "
                      f"{t['documents_per_step']} documents of <= {t['max_doc_length']} tokens, losses "
                      f"{', '.join(t['losses'])}): **{t['steps_per_s']:.2f} steps/s** over {t['steps']} steps, "
                      f"peak GPU {_mib(t['peak_gpu_mib'])} MiB. The trainer was {t['trainer']}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="splade-tiny", help="SPLADE-tiny checkpoint folder (or registered name)")
    parser.add_argument("--dry-run", action="store_true", help="on the CPU at tiny sizes (a check of the script)")
    parser.add_argument("--device", default=None, help="auto, cpu, cuda or cuda:N (default: auto; cpu with "
                        "--dry-run); --device cpu also takes the dry run's sizes unless given")
    for name in ("docs", "sample", "max_length", "batch_size", "warmup", "train_steps", "train_batch"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=None,
                            help=f"default {FULL[name]} ({DRY[name]} with --dry-run)")
    parser.add_argument("--anchor", action="store_true", default=None,
                        help="run the pyserini.encode anchor in a dry run too (it always runs where installed)")
    parser.add_argument("--out", type=Path, default=None, help="folder for gpu.json and gpu.md (default: $OUT, "
                        "else benchmarks/work/gpu)")
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "work" / "gpu-work",
                        help="folder for the encoded shards")
    args = parser.parse_args(argv)
    profile = DRY if args.dry_run or args.device == "cpu" else FULL
    opts = {key: getattr(args, key) if getattr(args, key) is not None else default
            for key, default in profile.items()}
    started = time.perf_counter()
    result = run(args.model, opts, args.work)
    result["wall_s"] = time.perf_counter() - started
    result["command"] = "PYTHONPATH=. python benchmarks/gpu.py " + " ".join(argv if argv is not None
                                                                            else sys.argv[1:])
    out = args.out or Path(os.environ.get("OUT") or REPO / "benchmarks" / "work" / "gpu")
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(result)
    (out / "gpu.md").write_text(text, encoding="utf-8")
    (out / "gpu.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(text)
    say(f"done in {result['wall_s']:.0f} s; results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
