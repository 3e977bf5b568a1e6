"""Build the java/ plugin jar from source with the system ``javac --release 17`` against Anserini's Lucene classes.

The jar is named by a hash of its sources, so it is rebuilt exactly when a source changes.
"""

from __future__ import annotations

import hashlib
import os
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


def _source_hash(sources: list[Path]) -> str:
    digest = hashlib.sha256()
    for src in sources:
        digest.update(src.name.encode())
        digest.update(src.read_bytes())
    return digest.hexdigest()[:16]


def plugin_jar_path() -> Path | None:
    """Where the jar for the current sources lives (whether built or not); None without sources."""
    sources = java_sources()
    if not sources:
        return None
    return home_dir() / "jars" / f"lsr-lucene-plugin-{_source_hash(sources)}.jar"


def find_javac() -> str | None:
    """``$JAVAC``, else ``javac`` on PATH, else ``$JAVA_HOME/bin/javac``."""
    for candidate in (os.environ.get("JAVAC"), shutil.which("javac"),
                      os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "javac")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def build_plugin_jar(classpath: Path) -> Path:
    """Compile the sources against ``classpath`` (the Anserini fatjar) into the jar; return its path.

    Raises SetupError naming the fix when ``javac`` is missing or compilation fails.
    """
    jar = plugin_jar_path()
    if jar is None:
        raise SetupError("no java/ sources beside this package (a plain install): the plugin is unavailable")
    if jar.exists():
        return jar
    javac = find_javac()
    if javac is None:
        raise SetupError("javac not found: install a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless) "
                         "or set $JAVAC; until then indexing uses Anserini's IndexCollection")
    jar.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=jar.parent) as tmp:
        classes = Path(tmp) / "classes"
        cmd = [javac, "--release", "17", "-nowarn", "-encoding", "UTF-8", "-cp", str(classpath),
               "-d", str(classes), *map(str, java_sources())]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SetupError(f"javac failed building the plugin:\n{done.stderr.strip()[-4000:]}")
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
