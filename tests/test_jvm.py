import subprocess
import sys

from lsr_lucene import jvm


def test_jvm_runs_java_21_plus_with_anserini_and_the_plugin(jvm_started):
    version = jvm.autoclass("java.lang.Runtime").version().feature()
    assert version >= 21
    assert jvm.plugin_available()
    assert jvm.autoclass("org.lsrlucene.PluginInfo").luceneVersion() == "9.9.1"
    assert jvm.autoclass("io.anserini.search.SimpleImpactSearcher") is not None


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
