"""Impact search with pre-encoded query vectors. ``open_impact_searcher`` picks the engine: the java/ plugin's
bulk batch searcher (``search.plugin``, the default) or ``AnseriniImpactSearcher`` below, which goes through Anserini's
``SimpleImpactSearcher``, the Java class behind Pyserini's ``LuceneImpactSearcher``. Both rank identically.

Unlike ``LuceneImpactSearcher`` both keep every query term (Pyserini drops terms whose IDF is <= ``min_idf``,
0 by default, which loses terms that occur in every document) and neither walks the term dictionary at start-up.
``AnseriniImpactSearcher``'s scores are Anserini's: the dot product of query and document impacts, rounded to 4 decimals,
minus 1e-6 per tie, with ties broken by document id.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .. import jvm
from ..engine import DEFAULT_ENGINE, resolve_engine
from ..errors import ConfigError, JvmError
from ..types import Hit, ImpactVector, Run
from ..indexing.manifest import lucene_index_dir
from .approximate import EXACT, Approximation
from .base import Searcher, hits_from_java, run_from_java

if TYPE_CHECKING:
    from .plugin import PluginImpactSearcher


def _java_vector(vector: ImpactVector) -> object:
    jmap = jvm.autoclass("java.util.HashMap")()
    integer = jvm.autoclass("java.lang.Integer")
    for term, weight in vector.items():
        jmap.put(term, integer(int(weight)))
    return jmap


def open_impact_searcher(index_dir: str | os.PathLike, engine: str = DEFAULT_ENGINE,
                         approximation: Approximation = EXACT) -> "AnseriniImpactSearcher | PluginImpactSearcher":
    """A searcher of the impact index ``index_dir`` by ``engine`` (``plugin``: the java/ plugin's bulk batch
    searcher; ``anserini``: ``SimpleImpactSearcher``); ``plugin`` falls back to Anserini when the plugin is
    unavailable. Both rank identically; see ``search.plugin`` for how their scores differ. An ``approximation``
    other than exact needs the plugin."""
    if resolve_engine(engine) == "plugin":
        from .plugin import PluginImpactSearcher

        return PluginImpactSearcher(index_dir, approximation=approximation)
    if not approximation.exact:
        raise ConfigError(f"approximate search ({approximation.to_dict()}) needs the java/ plugin engine, not "
                          "Anserini's SimpleImpactSearcher")
    return AnseriniImpactSearcher(index_dir)


class AnseriniImpactSearcher(Searcher):
    """Search a Lucene impact index with ``{term: impact}`` query vectors through Anserini."""

    engine = "anserini"

    def __init__(self, index_dir: str | os.PathLike) -> None:
        self.index_dir = index_dir = lucene_index_dir(index_dir)
        try:
            self._searcher = jvm.autoclass("io.anserini.search.SimpleImpactSearcher")(str(index_dir))
        except JvmError:
            raise
        except Exception as exc:
            raise JvmError(f"could not open {index_dir}: {jvm.java_error_message(exc)}") from exc

    @property
    def num_docs(self) -> int:
        return int(self._searcher.get_total_num_docs())

    def search(self, vector: ImpactVector, k: int = 1000) -> list[Hit]:
        """Top ``k`` hits for one query vector (an empty vector gives no hits)."""
        if not vector:
            return []
        return hits_from_java(self._searcher.search(_java_vector(vector), int(k)))

    def batch_search(self, vectors: list[ImpactVector], qids: list[str], k: int = 1000, threads: int = 1) -> Run:
        """Top ``k`` hits per query, searched by ``threads`` Java threads; query ids in input order."""
        if len(vectors) != len(qids):
            raise ValueError(f"{len(vectors)} vectors for {len(qids)} query ids")
        array_list = jvm.autoclass("java.util.ArrayList")
        jvectors, jqids = array_list(), array_list()
        for qid, vector in zip(qids, vectors):
            if vector:
                jvectors.add(_java_vector(vector))
                jqids.add(qid)
        if not jqids.size():
            return {qid: [] for qid in qids}
        try:
            return run_from_java(self._searcher.batch_search(jvectors, jqids, int(k), int(threads)), qids)
        except JvmError:
            raise
        except Exception as exc:  # pyjnius JavaException
            raise jvm.java_failure(exc, f"searching {self.index_dir} ({len(qids)} queries, k={k})") from exc

    def close(self) -> None:
        self._searcher.close()
