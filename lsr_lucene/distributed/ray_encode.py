"""Document encoding on a Ray cluster: encoder actors (one model load each) write whole shards, the driver records
them in the manifest in order, and a rerun skips the finished shards.

The output is the single-process output, file for file: shards hold the same records (shard i is records
i*size .. (i+1)*size-1 of the input), and each shard is encoded in the same length-sorted windows (a window never
straddles a shard boundary), so batches, weights and bytes are the same.

``address``: ``"local"`` starts Ray on this machine (``ray.init()``), ``"auto"`` joins the cluster started here with
``ray start``, anything else is a cluster address (``host:port`` or ``ray://host:port``).

GPUs: with ``device`` ``cuda`` (or ``auto`` on a cluster that lists GPUs) each actor takes one GPU (``num_gpus=1``;
Ray makes it the actor's ``cuda:0``) and the default number of actors is the cluster's GPU count; several GPUs of one
machine are the same path with ``address="local"``.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, replace
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..encoding.stages.settings import EncodeSettings, shard_window
from ..encoding.stages.sparse import (EncodeConfig, doc_record, encode_records, encoder_info, finish_documents,
                                      make_encoder)
from ..encoding.stats import EncodeStats
from ..device import check_spec
from ..errors import ConfigError
from ..io.atomic import atomic_open
from ..io.jsonl import dumps
from ..io.shards import ShardedJsonlWriter, shard_entry
from ..io.vectors import DOCS_KIND
from ..quantize import QuantizationConfig
from ..streams import progress, windows
from ..types import Doc


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--ray needs the ray package: pip install 'lsr-lucene[ray]'") from exc
    return ray


class ShardEncoder:
    """Ray actor body: loads the encoder once, then encodes and writes whole shards."""

    def __init__(self, config: dict[str, Any], settings: dict[str, Any]) -> None:
        self.config = EncodeConfig(**{**config, "quantization": QuantizationConfig(**config["quantization"])})
        self.settings = EncodeSettings(**settings)
        self.encoder = make_encoder(self.config, self.settings.threads or 1, device=self.settings.device)

    def encode_shard(self, folder: str, name: str, docs: list[tuple[str, str]],
                     store_contents: bool) -> dict[str, Any]:
        """Write ``docs`` as the shard ``folder/name``; its manifest entry, encoder counters and encoder info."""
        stats = EncodeStats()
        counters = {"postings": 0, "empty_vectors": 0}
        records = encode_records(self.encoder, iter(docs), self.config, self.settings.batch_for(self.encoder),
                                 shard_window(self.settings.shard_size), stats)
        with atomic_open(Path(folder) / name) as out:
            for doc_id, text, vector in records:
                record, counts = doc_record(doc_id, text, vector, store_contents)
                out.write(dumps(record) + "\n")
                for key, value in counts.items():
                    counters[key] += value
        return {"entry": shard_entry(Path(folder), name, len(docs), counters), "stats": vars(stats),
                "info": encoder_info(self.encoder, self.config)}


def _shards(docs: Iterable[Doc], skip: int, size: int) -> Iterator[list[tuple[str, str]]]:
    return windows(((d.id, d.contents) for d in islice(docs, skip, None)), size)


def actor_device(spec: str, gpus: float) -> str:
    """The device of every actor for the device option ``spec`` on a cluster with ``gpus`` GPUs: ``cuda`` (one GPU
    per actor) or ``cpu``; ConfigError when CUDA is asked for and the cluster has no GPU, or for ``cuda:N``."""
    check_spec(spec)
    if spec == "cpu" or (spec == "auto" and gpus < 1):
        return "cpu"
    if spec.startswith("cuda:"):
        raise ConfigError(f"--device {spec} with --ray: each Ray actor takes one GPU of its own; give --device cuda")
    if gpus < 1:
        raise ConfigError(f"no CUDA device for --device {spec}: the Ray cluster lists no GPU")
    return "cuda"


def init_ray(address: str, workers: int | None = None) -> Any:
    """Connect to (or, for ``"local"``, start) Ray; the module is returned."""
    ray = _ray()
    if not ray.is_initialized():
        if address == "local":
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                     runtime_env={"env_vars": {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}})
        else:
            ray.init(address=address, log_to_driver=False)
    return ray


def encode_documents_ray(docs: Iterable[Doc], out_dir: str | os.PathLike, config: EncodeConfig, address: str,
                         settings: EncodeSettings = EncodeSettings(), workers: int | None = None, total: int | None = None,
                         store_contents: bool = True) -> dict[str, Any]:
    """Encode ``docs`` into ``out_dir`` on Ray with ``workers`` actors (default: the cluster's GPUs when they encode
    on CUDA, else its CPUs) and return the completed manifest; resumable like
    :func:`lsr_lucene.encoding.stages.sparse.encode_documents`."""
    writer = ShardedJsonlWriter(out_dir, DOCS_KIND, config.to_dict(), settings.shard_size, settings.compress)
    if writer.complete:
        return writer.manifest
    ray = init_ray(address, workers)
    resources = ray.cluster_resources()
    device = actor_device(settings.device, resources.get("GPU", 0))
    gpu = device == "cuda"
    workers = workers or max(1, int(resources.get("GPU" if gpu else "CPU", 1)))
    actor = ray.remote(num_cpus=1, num_gpus=1 if gpu else 0)(ShardEncoder)
    pool = [actor.remote(config.to_dict(), asdict(replace(settings, device=device))) for _ in range(workers)]
    started, stats, info = time.time(), EncodeStats(), {}
    done = writer.records_done
    bar = progress(desc=f"encode docs (ray, {workers} workers on {device})", total=total, initial=done,
                   enabled=settings.progress)
    first = len(writer.manifest["shards"])
    pending: dict[Any, int] = {}  # future -> shard offset
    finished: dict[int, dict[str, Any]] = {}
    next_commit = 0
    shards = enumerate(_shards(docs, done, settings.shard_size))
    exhausted = False
    input_error: Exception | None = None
    while True:
        while not exhausted and len(pending) < 2 * workers:
            try:
                item = next(shards, None)
            except Exception as exc:  # bad input: keep the shards before it, then report it
                item, input_error = None, exc
            if item is None:
                exhausted = True
                break
            offset, chunk = item
            actor_of_shard = pool[offset % workers]  # round robin
            pending[actor_of_shard.encode_shard.remote(str(writer.folder), writer.shard_name(first + offset),
                                             chunk, store_contents)] = offset
        if not pending:
            break
        ready, _ = ray.wait(list(pending), num_returns=1)
        for future in ready:
            finished[pending.pop(future)] = ray.get(future)
        while next_commit in finished:
            result = finished.pop(next_commit)
            writer.commit_shard(result["entry"])
            stats.merge(result["stats"])
            info = result["info"]
            next_commit += 1
            bar.update(result["entry"]["records"])
    bar.close()
    for member in pool:
        ray.kill(member)
    if input_error is not None:
        raise input_error
    return finish_documents(writer, info or encoder_info(None, config), stats, time.time() - started)
