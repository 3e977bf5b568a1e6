"""An ``ir_datasets`` dataset as a Collection (loaded lazily; ir_datasets downloads on first use when online)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from ..errors import SetupError, UnknownNameError
from ..types import Doc, Qrel, Query
from .base import BadInput, check_doc, check_query


def _text_of(record: Any, names: tuple[str, ...]) -> str:
    for name in names:
        value = getattr(record, name, None)
        if isinstance(value, str):
            return value
    return ""


@dataclass
class IrdsCollection:
    dataset_id: str
    name: str = ""
    remove_query_hits: bool = False
    bad: BadInput = field(default_factory=BadInput)

    def __post_init__(self) -> None:
        import ir_datasets

        try:
            self._dataset = ir_datasets.load(self.dataset_id)
        except KeyError:
            raise UnknownNameError("ir_datasets id", self.dataset_id, [],
                                   hint="see https://ir-datasets.com for the ids") from None
        self.name = self.name or self.dataset_id.replace("/", "-")

    def _guard(self, kind: str, iterator: Iterator[Any]) -> Iterator[Any]:
        try:
            yield from iterator
        except Exception as exc:  # ir_datasets raises plain errors when a download fails offline
            raise SetupError(f"ir_datasets could not read the {kind} of {self.dataset_id!r} "
                             f"(offline, or the source moved?): {exc}") from exc

    def docs_iter(self) -> Iterator[Doc]:
        if not self._dataset.has_docs():
            raise SetupError(f"ir_datasets {self.dataset_id!r} has no documents")
        seen: set[str] = set()
        for record in self._guard("documents", self._dataset.docs_iter()):
            doc = Doc(record.doc_id, _text_of(record, ("title",)), _text_of(record, ("text", "body", "abstract")))
            if check_doc(doc, f"irds:{self.dataset_id}", None, seen, self.bad):
                yield doc

    def queries_iter(self) -> Iterator[Query]:
        seen: set[str] = set()
        for record in self._guard("queries", self._dataset.queries_iter()):
            query = Query(record.query_id, _text_of(record, ("text", "title", "query")))
            if check_query(query, f"irds:{self.dataset_id}", None, seen, self.bad):
                yield query

    def qrels_iter(self, split: str) -> Iterator[Qrel]:
        for record in self._guard("qrels", self._dataset.qrels_iter()):
            yield Qrel(record.query_id, record.doc_id, int(record.relevance))

    def splits(self) -> list[str]:
        return [self.dataset_id.rsplit("/", 1)[-1]] if self._dataset.has_qrels() else []
