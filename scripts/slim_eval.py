#!/usr/bin/env python
"""First stage vs SLIM refinement (nDCG@10) on a BEIR collection, with alpha chosen on training queries only.

    python scripts/slim_eval.py scifact                 # alpha chosen on scifact's train qrels
    python scripts/slim_eval.py arguana --tune genq     # alpha chosen on 500 sampled GenQ queries (synthetic)

Outputs (resumable) go to ``outputs/slim/<collection>/``: token-level vectors and store, impact index, query vectors
per split, and ``slim-report.json`` / ``slim-report.md``. The test qrels are used for the final table only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ALPHAS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
MEASURES = ("nDCG@10", "RR@10", "R@100")


def tuning_queries(collection, tune: str, sample: int, seed: int = 0):
    """(queries, qrels) for choosing alpha: a qrels split of the collection, or GenQ (``genq/`` beside it)."""
    from lsr_lucene.collections.files import read_queries
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.io.trec import read_qrels

    if tune != "genq":
        queries, qrels = judged_queries(collection, tune)
    else:
        folder = Path(collection.folder) / "genq"
        queries, qrels = list(read_queries(folder / "queries.jsonl")), list(read_qrels(folder / "qrels" / "train.tsv"))
    if sample and len(queries) > sample:
        queries = sorted(random.Random(seed).sample(queries, sample), key=lambda q: q.id)
        keep = {q.id for q in queries}
        qrels = [r for r in qrels if r.query_id in keep]
    return queries, qrels


def evaluate_split(index, docs_store, queries_dir, queries, qrels, remove_self, k_prime, threads):
    """First-stage and refined figures for every alpha, plus timings."""
    from lsr_lucene.io.vectors import read_vectors
    from lsr_lucene.evaluation.measures import evaluate
    from lsr_lucene.io.token_store import TokenStore
    from lsr_lucene.search.batch import search_vectors
    from lsr_lucene.search.slim import RefineConfig, query_token_store, refine_run

    store = TokenStore(docs_store)
    qstore = query_token_store(queries_dir, store)
    vectors = list(read_vectors(queries_dir))
    first, first_seconds = search_vectors(index, vectors, k_prime, threads, remove_self)
    qids = [q for q, _ in vectors]
    tokens = dict(zip(qids, (qstore.gather([r]).vectors for r in qstore.rows(qids).tolist())))
    out = {"queries": len(qids), "first_stage": evaluate(first, qrels, MEASURES), "refined": {},
           "first_stage_seconds": first_seconds}
    for alpha in ALPHAS:
        started = time.perf_counter()
        refined = refine_run(first, tokens, store, k_prime, RefineConfig(k_prime, alpha), threads)
        seconds = time.perf_counter() - started
        out["refined"][str(alpha)] = {**evaluate(refined, qrels, MEASURES), "refine_seconds": seconds}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("collection")
    parser.add_argument("--tune", default="train", help="qrels split or 'genq' used to choose alpha")
    parser.add_argument("--tune-sample", type=int, default=None,
                        help="tuning queries sampled (seed 0); default 500 for genq, all for a qrels split")
    parser.add_argument("--output", default=None, help="default: outputs/slim/<collection>")
    parser.add_argument("--k-prime", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--token-top-k", type=int, default=20)
    args = parser.parse_args()

    from lsr_lucene import jvm
    from lsr_lucene.collections import load_collection
    from lsr_lucene.collections.judged import judged_queries
    from lsr_lucene.encoding.stages.sparse import EncodeConfig, EncodeSettings
    from lsr_lucene.encoding.stages.tokens import encode_documents_token_level, encode_queries_token_level
    from lsr_lucene.encoding.encoders.token_level import TokenLevelConfig
    from lsr_lucene.indexing.impact import index_impact
    from lsr_lucene.io.atomic import write_text

    root = Path(args.output or f"outputs/slim/{args.collection}")
    collection = load_collection(args.collection)
    config, tokens, settings = EncodeConfig(), TokenLevelConfig(args.token_top_k), EncodeSettings(threads=args.threads)
    encode_documents_token_level(collection.docs_iter(), root / "vectors", config, settings, tokens)
    jvm.start()
    index_impact(root / "vectors", root / "index", threads=args.threads)
    sample = args.tune_sample if args.tune_sample is not None else (500 if args.tune == "genq" else 0)
    splits = {"tune": tuning_queries(collection, args.tune, sample), "test": judged_queries(collection, "test")}
    report = {"collection": collection.name, "model": config.model, "tune": args.tune, "k_prime": args.k_prime,
              "token_level": tokens.to_dict(), "splits": {}}
    for name, (queries, qrels) in splits.items():
        folder = root / f"queries-{args.tune if name == 'tune' else 'test'}"
        encode_queries_token_level(queries, folder, config, settings, tokens)
        report["splits"][name] = evaluate_split(root / "index", root / "vectors" / "tokens", folder, queries, qrels,
                                                collection.remove_query_hits, args.k_prime, args.threads)
    tuned = report["splits"]["tune"]["refined"]
    best = max(ALPHAS, key=lambda a: (tuned[str(a)]["nDCG@10"], -a))
    report["alpha"] = best
    test = report["splits"]["test"]
    rows = [("first stage (SPLADE-tiny impact, top 100)", test["first_stage"]),
            ("SLIM refined, alpha = 0 (late interaction only)", test["refined"]["0.0"]),
            (f"SLIM refined, alpha = {best} (chosen on {args.tune})", test["refined"][str(best)])]
    lines = [f"{collection.name} test ({test['queries']} queries), k' = {args.k_prime}, alpha chosen on {args.tune} "
             f"({report['splits']['tune']['queries']} queries: nDCG@10 {tuned[str(best)]['nDCG@10']:.4f} at alpha "
             f"{best} vs {report['splits']['tune']['first_stage']['nDCG@10']:.4f} first stage)", "",
             "| run | nDCG@10 | MRR@10 | R@100 |", "|---|---|---|---|"]
    lines += [f"| {label} | {m['nDCG@10']:.4f} | {m['MRR@10']:.4f} | {m['R@100']:.4f} |" for label, m in rows]
    write_text(root / "slim-report.json", json.dumps(report, indent=2) + "\n")
    write_text(root / "slim-report.md", "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
