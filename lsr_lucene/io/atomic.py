"""Write a file or a folder so that it appears whole or not at all (temporary name, then rename)."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import gzip
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Iterator

from ..errors import BusyError


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", compress: bool | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on clean exit fsync and rename it to ``path``.

    ``compress`` (default: ``path`` ends with ``.gz``) gzips the stream. On error the temporary file is removed
    and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    compress = path.suffix == ".gz" if compress is None else compress
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        with os.fdopen(fd, "wb") as raw:
            if compress:
                with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                    with _maybe_text(gz, mode) as stream:
                        yield stream
            else:
                with _maybe_text(raw, mode) as stream:
                    yield stream
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _maybe_text(stream: IO[bytes], mode: str) -> Iterator[IO]:
    """The binary stream itself, or a UTF-8 text layer that is detached (not closed) afterwards."""
    if "b" in mode:
        yield stream
        return
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="\n")  # type: ignore[arg-type]
    try:
        yield text
    finally:
        text.flush()
        text.detach()


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path) as out:
        out.write(text)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on clean exit put it in place of ``path`` (:func:`replace_dir`).

    A kill at any point leaves the old or the new folder, and the next run restores an old one left aside. The run
    holds a lock beside ``path`` throughout (:func:`writer_lock`); temporary folders left beside ``path`` by a killed
    run are removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(path):
        _recover(path)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
        try:
            yield tmp
            replace_dir(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def replace_dir(new: Path, path: Path) -> None:
    """Put folder ``new`` in place of ``path``. Where the system can swap two folders in one step (Linux), ``path``
    holds its old or its new contents at any instant; the old ones, left at ``new``, are removed after (or, after a
    kill, by the next :func:`atomic_dir` of ``path``). Elsewhere the old ``path`` is renamed aside, ``new`` renamed in,
    then the aside removed (restored by the next :func:`atomic_dir` if a kill came between the two renames)."""
    if not path.exists():
        os.replace(new, path)
    elif _exchange(new, path):
        shutil.rmtree(new)
    else:
        aside = _aside(path)
        os.replace(path, aside)
        os.replace(new, path)
        shutil.rmtree(aside, ignore_errors=True)


RENAME_EXCHANGE = 2
"""Linux ``renameat2`` flag: swap two paths in one step."""


def _exchange(a: Path, b: Path) -> bool:
    """Swap folders ``a`` and ``b`` atomically; False where the system cannot (not Linux, old kernel, file system)."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(error, os.strerror(error), str(a), None, str(b))


def _aside(path: Path) -> Path:
    return path.parent / f".{path.name}.old"


def _recover(path: Path) -> None:
    """Undo what a run killed inside :func:`atomic_dir` left: the old folder back if it was aside, no temporary."""
    aside = _aside(path)
    if aside.exists():
        if path.exists():
            shutil.rmtree(aside)
        else:
            os.replace(aside, path)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def writer_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive lock on ``.<name>.lock`` beside ``path`` (which records this process's id), or raise
    BusyError naming the process that holds it. The lock file is removed on exit."""
    path = Path(path)
    lock = path.parent / f".{path.name}.lock"
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise BusyError(f"{path}: another run (process {holder}) is writing it (lock {lock}); wait for it "
                              "to finish or write elsewhere") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file between our open and lock: lock the new one
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.unlink(lock)
        os.close(fd)


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link to ``source`` at ``target``, or a copy where links cannot be made (across file systems)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
