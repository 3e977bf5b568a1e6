"""Vocabulary terms as Lucene sees them: one whitespace-free token per vocabulary id.

Anserini's ``-pretokenized`` indexing splits on whitespace, so a term holding whitespace or a control character would
become several terms or none. Such characters are percent-escaped (with ``%`` itself in those terms; a collision is refused);
every other term is kept exactly as the tokenizer spells it, so indexes stay compatible with Pyserini's encoders.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from .errors import ConfigError


def _needs_escape(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def lucene_term(token: str) -> str:
    """``token`` unchanged if safe for whitespace tokenization, else with offending characters (and ``%``)
    written as ``%XX`` UTF-8 bytes."""
    if not any(_needs_escape(c) for c in token):
        return token
    return "".join(
        "".join(f"%{b:02X}" for b in c.encode("utf-8")) if _needs_escape(c) or c == "%" else c for c in token
    )


def vocabulary_terms(tokenizer: Any) -> list[str]:
    """Term string for every vocabulary id of a Hugging Face tokenizer (index = id); refuses an empty term."""
    size = max(len(tokenizer), max(tokenizer.get_vocab().values()) + 1)
    terms = [""] * size
    for token, index in tokenizer.get_vocab().items():
        terms[index] = lucene_term(token)
    missing = [i for i, t in enumerate(terms) if not t]
    if missing:
        for i in missing:
            terms[i] = f"[id{i}]"
    dup = len(set(terms)) != len(terms)
    if dup:
        raise ConfigError("the tokenizer's vocabulary maps two ids to the same term after escaping; "
                          "such a vocabulary cannot be indexed term by term")
    return terms
