"""Document encoding on a Ray cluster: encoder actors (one model load each) write whole shards, the driver records
them in the manifest in order, and a rerun skips the finished shards.

The output is the single-process output, file for file: shards hold the same records (shard i is records
i*size .. (i+1)*size-1 of the input), and each shard is encoded in the same length-sorted windows (a window never
straddles a shard boundary), so batches, weights and bytes are the same.

``address``: ``"local"`` starts Ray on this machine (``ray.init()``), ``"auto"`` joins the cluster started here with
``ray start``, anything else is a cluster address (``host:port`` or ``ray://host:port``).
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..encoding.stages.settings import EncodeSettings, shard_window
from ..encoding.stages.sparse import (EncodeConfig, doc_record, encode_records, encoder_info, finish_documents,
                                      make_encoder)
from ..encoding.stats import EncodeStats
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
        self.encoder = make_encoder(self.config, self.settings.threads or 1)

    def encode_shard(self, folder: str, name: str, docs: list[tuple[str, str]],
                     store_contents: bool) -> dict[str, Any]:
        """Write ``docs`` as the shard ``folder/name``; its manifest entry, encoder counters and encoder info."""
        stats = EncodeStats()
        counters = {"postings": 0, "empty_vectors": 0}
        records = encode_records(self.encoder, iter(docs), self.config, self.settings.batch_size,
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
    """Encode ``docs`` into ``out_dir`` on Ray with ``workers`` actors (default: the cluster's CPUs) and return the
    completed manifest; resumable like :func:`lsr_lucene.encoding.stages.sparse.encode_documents`."""
    writer = ShardedJsonlWriter(out_dir, DOCS_KIND, config.to_dict(), settings.shard_size, settings.compress)
    if writer.complete:
        return writer.manifest
    ray = init_ray(address, workers)
    workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    actor = ray.remote(num_cpus=1)(ShardEncoder)
    pool = [actor.remote(config.to_dict(), asdict(settings)) for _ in range(workers)]
    started, stats, info = time.time(), EncodeStats(), {}
    done = writer.records_done
    bar = progress(desc=f"encode docs (ray, {workers} workers)", total=total, initial=done, enabled=settings.progress)
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
