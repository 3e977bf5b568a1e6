"""Encoding: text to vectors, then to the files the indexes read.

``encoders/`` turns texts into float vectors (SPLADE, token-level SLIM, inference-free query tables, dense); the
``stages/`` run an encoder over a collection and write resumable shards through ``io/`` (``sparse``: quantized impact
vectors in ``JsonVectorCollection`` JSONL; ``tokens``: plus a token store; ``dense``: float32 ``.npy`` shards), which
``indexing/`` builds into Lucene and faiss indexes and ``search/`` queries. Modules import torch only when used.
"""
