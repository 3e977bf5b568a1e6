"""Lucene indexes: impact indexes of quantized vectors and BM25 indexes of raw text, built in-process."""
