"""Searchers over Lucene indexes (impact and BM25), a numpy reference scorer, and run post-processing."""
