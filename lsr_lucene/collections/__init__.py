"""Collections: documents, queries and judgments from BEIR folders, plain files or ir_datasets."""

from .base import BadInput, Collection
from .resolve import KNOWN_COLLECTIONS, load_collection

__all__ = ["BadInput", "Collection", "KNOWN_COLLECTIONS", "load_collection"]
