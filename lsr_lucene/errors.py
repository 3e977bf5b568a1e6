"""Exceptions that name the culprit: a file and line, a document id, a model or collection name."""

from __future__ import annotations


class LsrLuceneError(Exception):
    """Base class: every error the CLI turns into a one-line message and a non-zero exit."""

    exit_code = 1


class ConfigError(LsrLuceneError):
    """An option or setting has a value that cannot work."""

    exit_code = 2


class UnknownNameError(ConfigError):
    """A short name (model, collection, fusion method, ...) is not registered."""

    def __init__(self, kind: str, name: str, known: list[str], hint: str = "") -> None:
        self.kind, self.name, self.known = kind, name, sorted(known)
        message = f"unknown {kind} {name!r}; known: {', '.join(self.known) or '(none)'}"
        super().__init__(message + (f"; {hint}" if hint else ""))


class InputFileError(LsrLuceneError):
    """A file the tool reads is missing, unreadable or malformed."""

    def __init__(self, path: object, message: str, line: int | None = None, item_id: str | None = None) -> None:
        self.path, self.line, self.item_id = str(path), line, item_id
        where = self.path + (f":{line}" if line is not None else "")
        about = f" (id {item_id!r})" if item_id is not None else ""
        super().__init__(f"{where}{about}: {message}")


class CorpusFormatError(InputFileError):
    """A collection file (corpus, queries, qrels, vectors) breaks its format."""


class ManifestError(LsrLuceneError):
    """An output folder's manifest is missing or disagrees with what is on disk or with the request."""


class JvmError(LsrLuceneError):
    """The Java side cannot start or a Java call failed."""


class SetupError(LsrLuceneError):
    """A model, jar or other set-up step is missing or failed."""


class BusyError(LsrLuceneError):
    """An output folder is being written by another run."""


class EmbeddingsError(ConfigError, ValueError):
    """Decoded embeddings (``[[(token, weight), ...], ...]``) that cannot be indexed or searched; a ValueError, as
    sentence-transformers' own search helpers raise."""
