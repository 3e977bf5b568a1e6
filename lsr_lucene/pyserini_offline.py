"""Import Pyserini's search modules without a network, for the comparisons with Pyserini (tests, benchmarks).

Pyserini 2.4 reads two prebuilt-index lists from GitHub while ``pyserini.search`` is imported: two alias entries
in ``pyserini.prebuilt_index_info`` look names up in its lazily fetched lists. Offline that import fails with a
URLError. ``import_pyserini_search`` imports it with each list that cannot be fetched answered by placeholder
records for the names those aliases look up; prebuilt indexes stay unavailable offline, searchers work. Pyserini
1.6 needs none of this.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import re
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any


def _alias_targets() -> list[str]:
    spec = importlib.util.find_spec("pyserini.prebuilt_index_info")
    if spec is None or spec.origin is None:
        return []
    return re.findall(r'_INFO_[A-Z0-9_]*\["([^"]+)"\]', Path(spec.origin).read_text(encoding="utf-8"))


def import_pyserini_search(name: str = "pyserini.search.lucene") -> ModuleType:
    """``importlib.import_module(name)`` for a module under ``pyserini.search``, offline too."""
    real = urllib.request.urlopen
    placeholders = [{"name": target, "description": "unavailable offline", "filename": "", "urls": [], "md5": "",
                     "size": 0} for target in _alias_targets()]

    def urlopen(url: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return real(url, *args, **kwargs)
        except OSError:  # URLError, DNS failure, timeout: no network here
            return io.BytesIO(json.dumps(placeholders).encode())

    urllib.request.urlopen = urlopen
    try:
        prebuilt = importlib.util.find_spec("pyserini.prebuilt_index_info")
        if prebuilt is not None:
            module = importlib.import_module("pyserini.prebuilt_index_info")
            module.urlopen = real  # later look-ups (prebuilt downloads) see the network as it is
        return importlib.import_module(name)
    finally:
        urllib.request.urlopen = real
