import os
import shutil
import subprocess
import sys

import pytest

from lsr_lucene import javabuild, jvm

# The supported stacks: Pyserini 1.6.0 (Anserini 1.7.1) and 2.4.0 (Anserini 2.3.0), with their Lucene and the
# class-file version of its classes (55: Java 11, 65: Java 21).
STACKS = {"anserini-1.7.1-fatjar.jar": ("9.9.1", 55), "anserini-2.3.0-fatjar.jar": ("10.5.0", 65)}


def test_jvm_runs_java_21_plus_with_anserini_and_the_plugin(jvm_started):
    version = jvm.autoclass("java.lang.Runtime").version().feature()
    assert version >= 21
    assert jvm.plugin_available()
    fatjar = jvm.anserini_jar()
    assert javabuild.lucene_release(fatjar) == STACKS[fatjar.name]
    assert jvm.autoclass("org.lsrlucene.PluginInfo").luceneVersion() == STACKS[fatjar.name][0]
    assert jvm.autoclass("io.anserini.search.SimpleImpactSearcher") is not None


def test_the_plugin_jar_is_named_by_its_sources_and_the_lucene_version():
    fatjar = jvm.anserini_jar()
    jar = javabuild.plugin_jar_path(fatjar)
    assert jar is not None and jar.name.endswith(f"-lucene{STACKS[fatjar.name][0]}.jar")
    assert jar.exists()  # the running JVM's plugin, built from these sources for this Lucene


@pytest.mark.skipif(shutil.which("ecj") is None, reason="Debian's ecj is not installed")
def test_without_javac_ecj_builds_a_plugin_that_runs(tmp_path):
    """ECJ (the compiler for Lucene 10's Java 21 classes where javac is 17) builds a working plugin on either
    stack: a fresh home, PATH with the ecj wrapper and no javac."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "ecj").symlink_to(shutil.which("ecj"))
    env = {k: v for k, v in os.environ.items() if k not in ("JAVAC", "JAVA_HOME", "ECJ_JAR")}
    env.update(PATH=os.pathsep.join([os.path.dirname(sys.executable), str(tmp_path / "bin")]),
               LSR_LUCENE_HOME=str(tmp_path / "home"), PYTHONPATH=os.pathsep.join(sys.path))
    code = ("from lsr_lucene import jvm\n"
            "print(jvm.plugin_problem(), jvm.autoclass('org.lsrlucene.PluginInfo').luceneVersion())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", STACKS[jvm.anserini_jar().name][0]]
    assert [p.name.rsplit("-lucene", 1)[1] for p in (tmp_path / "home" / "jars").glob("*.jar")] == [
        STACKS[jvm.anserini_jar().name][0] + ".jar"]


def test_heap_is_configurable_and_a_failed_start_is_a_clear_error():
    code = ("from lsr_lucene import jvm\n"
            "jvm.start('{heap}')\n"
            "print(jvm.autoclass('java.lang.Runtime').getRuntime().maxMemory() // 2**20)\n")
    done = subprocess.run([sys.executable, "-c", code.format(heap="300m")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert 250 <= int(done.stdout.strip()) <= 300
    done = subprocess.run([sys.executable, "-c", code.format(heap="64k")], capture_output=True, text=True)
    assert done.returncode != 0
    assert "JvmError" in done.stderr and "did not start" in done.stderr


def test_importing_the_package_loads_neither_torch_nor_java():
    code = "import sys, lsr_lucene, lsr_lucene.cli.main; print('torch' in sys.modules, 'jnius' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "False"]
