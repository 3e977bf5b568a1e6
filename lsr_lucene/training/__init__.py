"""Training sparse encoders (SPLADE and inference-free SPLADE-doc), on top of sentence-transformers' sparse
encoder stack.

sentence-transformers provides the model format (``SparseEncoder`` of a fill-mask ``Transformer`` plus
``SpladePooling``; a ``Router`` with an IDF ``SparseStaticEmbedding`` on the query side for inference-free models),
the ranking losses, FLOPS (with its l0-mask threshold) and the l0 activation (``SpladePooling``'s ``log1p_relu``).
This package adds what it lacks: a max-pooled vocabulary projection whose backward touches only the active terms
(``sparse_head``), IDF-aware FLOPS and group L1 regularizers, a tied MLM head for sentence encoders, decoder-only
backbones, BM25 hard negatives from Lucene, teacher ensembles, synthetic pairs and a resumable trainer (CPU or CUDA).

Importing this package loads neither torch nor the JVM.
"""
