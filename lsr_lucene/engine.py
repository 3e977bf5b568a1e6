"""Which implementation indexes and searches impact vectors: the java/ plugin or Anserini.

``plugin`` (the default) writes each impact straight into the postings and searches batches of queries in bulk;
``anserini`` runs Anserini's ``IndexCollection -impact -pretokenized`` and ``SimpleImpactSearcher``. Both give the
same index and the same rankings. When the plugin jar cannot be built (no ``javac``), ``plugin`` falls back to
``anserini`` with a warning that names the reason.
"""

from __future__ import annotations

import logging

from .errors import UnknownNameError

log = logging.getLogger(__name__)

ENGINES = ("plugin", "anserini")
DEFAULT_ENGINE = "plugin"

_warned: set[str] = set()


def resolve_engine(name: str = DEFAULT_ENGINE) -> str:
    """The engine that will run for ``name``: ``name`` itself, or ``anserini`` when the plugin is unavailable."""
    if name not in ENGINES:
        raise UnknownNameError("engine", name, list(ENGINES))
    if name == "anserini":
        return name
    from . import jvm

    problem = jvm.plugin_problem()
    if problem is None:
        return name
    if problem not in _warned:
        _warned.add(problem)
        log.warning("the java/ plugin is unavailable (%s); using Anserini's IndexCollection and "
                    "SimpleImpactSearcher instead", problem)
    return "anserini"
