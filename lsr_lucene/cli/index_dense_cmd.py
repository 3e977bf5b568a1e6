"""``lsr-lucene index-dense``: dense vectors of a collection (resumable) and a faiss index Pyserini can open."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import ConfigError
from .options import add_batch_size_option, add_collection_options, add_device_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_collection_options(parser, required=False)
    parser.add_argument("--index", required=True, help="index folder to write (faiss 'index' + 'docid' + manifest)")
    parser.add_argument("--vectors", help="dense vectors folder: written from --collection (resumable), or read "
                        "when --collection is not given (default: <index>-vectors beside the index)")
    encoder = parser.add_argument_group("dense encoder")
    encoder.add_argument("--model", default="all-MiniLM-L6-v2",
                         help="registered name (all-MiniLM-L6-v2, minilm), local checkpoint folder or hub name")
    encoder.add_argument("--dtype", choices=("bf16", "fp32"), default="bf16",
                         help="bf16: transformer under bfloat16 autocast (faster); fp32: reference")
    encoder.add_argument("--max-length", type=int, default=None,
                         help="tokens per text (default: the model's max_seq_length, else 512)")
    encoder.add_argument("--pooling", default=None,
                         help="comma-separated pooling modes overriding the model's (cls, mean, max, ...)")
    norm = encoder.add_mutually_exclusive_group()
    norm.add_argument("--normalize", dest="normalize", action="store_true", default=None,
                      help="L2-normalise vectors (default: as the model's Normalize module says)")
    norm.add_argument("--no-normalize", dest="normalize", action="store_false")
    add_batch_size_option(encoder)
    encoder.add_argument("--threads", type=int, default=None, help="torch and faiss threads")
    add_device_option(encoder)
    encoder.add_argument("--shard-size", type=int, default=100_000, help="vectors per .npy shard")
    index = parser.add_argument_group("faiss index")
    index.add_argument("--index-type", default="flat", help="flat (exact inner product), hnsw or ivfpq")
    index.add_argument("--hnsw-m", type=int, default=32)
    index.add_argument("--ef-construction", type=int, default=200)
    index.add_argument("--ef-search", type=int, default=256)
    index.add_argument("--nlist", type=int, default=None, help="IVF lists (default: 4 sqrt(n))")
    index.add_argument("--pq-m", type=int, default=None, help="PQ sub-quantizers (default: dim/8)")
    index.add_argument("--pq-bits", type=int, default=8)
    index.add_argument("--nprobe", type=int, default=32)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing index")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from ..encoding.stages.sparse import EncodeSettings
    from ..encoding.stages.dense import DenseEncodeConfig, encode_dense_documents
    from ..indexing.dense import DenseIndexConfig, index_dense

    index_dir = Path(args.index)
    vectors = Path(args.vectors) if args.vectors else index_dir.parent / f"{index_dir.name}-vectors"
    index_config = DenseIndexConfig(args.index_type, args.hnsw_m, args.ef_construction, args.ef_search, args.nlist,
                                    args.pq_m, args.pq_bits, args.nprobe)
    skipped = 0
    if args.collection:
        from ..collections import BadInput, load_collection
        from ..collections.beir import corpus_line_count

        pooling = tuple(p.strip() for p in args.pooling.split(",")) if args.pooling else None
        config = DenseEncodeConfig(args.model, args.dtype, args.max_length, pooling, args.normalize)
        bad = BadInput(args.on_bad_input)
        collection = load_collection(args.collection, bad)
        settings = EncodeSettings(args.batch_size, args.threads, args.shard_size, False, not args.quiet, args.device)
        encode_dense_documents(collection.docs_iter(), vectors, config, settings, total=corpus_line_count(collection))
        if bad.skipped:
            bad.save(vectors / "skipped.json")
        skipped = len(bad.skipped)
    elif not args.vectors:
        raise ConfigError("give --collection (to encode documents) or --vectors (already encoded)")
    manifest = index_dense(vectors, index_dir, index_config, args.threads, not args.quiet, args.overwrite)
    print(json.dumps({"index": str(index_dir), "vectors": str(vectors), "type": args.index_type,
                      "documents": manifest["documents"], "dim": manifest["dim"], "bytes": manifest["bytes"],
                      "skipped": skipped, "seconds": round(manifest["seconds"], 2)}))
    return 0
