#!/usr/bin/env python
"""How widely a sparse student's scores spread over a query's candidates, next to the distillation teacher's: the
figure that sets the teacher scale of KL distillation (docs/training.md, "The teacher's scale").

    python scripts/score_spread.py --model splade-tiny
    python scripts/score_spread.py --model splade-tiny --idf outputs/train-cache/idf-<key>.npy   # inference-free

For the first ``--queries`` SciFact train queries (sorted ids; never test queries), the BM25 top ``--depth`` of the
index in ``--bm25-index`` are scored by the student (SPLADE query and document vectors, or with ``--idf`` the
inference-free query side: each distinct query token weighted by its IDF) and by the z-scored teacher ensemble
``bm25_weight * z(BM25) + dense_weight * z(MiniLM cosine)``. Prints the median per-query standard deviation of both.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _z(scores: np.ndarray) -> np.ndarray:
    return (scores - scores.mean()) / scores.std()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="splade-tiny", help="student: a registered name or a checkpoint path")
    parser.add_argument("--idf", default=None, help="IDF table (.npy over the vocabulary): score as inference-free")
    parser.add_argument("--bm25-index", default=str(REPO / "benchmarks/work/shared/scifact/index-bm25"))
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--bm25-weight", type=float, default=0.5)
    parser.add_argument("--dense-weight", type=float, default=1.0)
    args = parser.parse_args()

    from lsr_lucene import jvm

    jvm.start()
    import torch
    from sentence_transformers import SentenceTransformer, SparseEncoder

    from lsr_lucene.collections import load_collection
    from lsr_lucene.models import resolve_model
    from lsr_lucene.search.bm25 import Bm25Searcher

    torch.set_num_threads(1)
    collection = load_collection("scifact")
    docs = {d.id: d.contents for d in collection.docs_iter()}
    texts = {q.id: q.text for q in collection.queries_iter()}
    qids = sorted({r.query_id for r in collection.qrels_iter("train")})[:args.queries]
    student = SparseEncoder(str(resolve_model(args.model)), device="cpu")
    dense = SentenceTransformer(str(resolve_model("all-MiniLM-L6-v2")), device="cpu")
    idf = np.load(args.idf, allow_pickle=False) if args.idf else None
    student_spread, teacher_spread = [], []
    with Bm25Searcher(args.bm25_index) as bm25:
        for qid in qids:
            hits = bm25.search(texts[qid], args.depth)
            candidates = [docs[h.doc_id] for h in hits]
            doc_vectors = student.encode_document(candidates).to_dense().numpy()
            if idf is None:
                scores = doc_vectors @ student.encode_query([texts[qid]]).to_dense().numpy().ravel()
            else:
                tokens = sorted(set(student.tokenizer(texts[qid], add_special_tokens=False)["input_ids"]))
                scores = doc_vectors[:, tokens] @ idf[tokens]
            cosine = (dense.encode(candidates, normalize_embeddings=True)
                      @ dense.encode([texts[qid]], normalize_embeddings=True).T).ravel()
            teacher = args.bm25_weight * _z(np.array([h.score for h in hits])) + args.dense_weight * _z(cosine)
            student_spread.append(scores.std())
            teacher_spread.append(teacher.std())
    print(f"median per-query score std over {len(qids)} queries x {args.depth} candidates: "
          f"student {np.median(student_spread):.2f}, teacher {np.median(teacher_spread):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
