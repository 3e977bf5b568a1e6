"""BM25 search through Anserini's ``SimpleSearcher`` (Pyserini's ``LuceneSearcher``), Anserini's defaults k1=0.9,
b=0.4 and its default English analyzer."""

from __future__ import annotations

import os

from .. import jvm
from ..errors import JvmError
from ..types import Hit, Run
from ..indexing.manifest import lucene_index_dir
from .base import Searcher, hits_from_java, remove_self_hits, run_from_java


class Bm25Searcher(Searcher):
    """BM25 over a Lucene index of raw text (Anserini's ``SimpleSearcher``); ``remove_self`` drops, in
    ``batch_search``, each hit whose id is its query's id (the BEIR rule the command line applies)."""

    def __init__(self, index_dir: str | os.PathLike, k1: float = 0.9, b: float = 0.4,
                 remove_self: bool = False) -> None:
        self.index_dir = index_dir = lucene_index_dir(index_dir)
        self.remove_self = remove_self
        try:
            self._searcher = jvm.autoclass("io.anserini.search.SimpleSearcher")(str(index_dir))
        except Exception as exc:
            raise JvmError(f"could not open {index_dir}: {jvm.java_error_message(exc)}") from exc
        self._searcher.set_bm25(float(k1), float(b))

    def search(self, query: str, k: int = 1000) -> list[Hit]:
        return hits_from_java(self._searcher.search(query, int(k)))

    def batch_search(self, queries: list[str], qids: list[str], k: int = 1000, threads: int = 1) -> Run:
        array_list = jvm.autoclass("java.util.ArrayList")
        jqueries, jqids = array_list(), array_list()
        for qid, query in zip(qids, queries):
            jqueries.add(query)
            jqids.add(qid)
        run = run_from_java(self._searcher.batch_search(jqueries, jqids, int(k), int(threads)), qids)
        return remove_self_hits(run) if self.remove_self else run

    def close(self) -> None:
        self._searcher.close()
