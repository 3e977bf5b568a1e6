"""File formats and safe writing: atomic files, streaming JSONL, manifests, TREC runs and qrels."""
