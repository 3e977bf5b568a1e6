"""The device option: one resolver for every model; without CUDA, ``auto`` is the CPU and a CUDA request fails in
one line, from the library, the encode command and the trainer alike."""

import pytest
import torch

from lsr_lucene.device import check_spec, default_batch_size, resolve_device
from lsr_lucene.errors import ConfigError

from .conftest import REPO, SLICE

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")


@no_cuda
def test_auto_is_the_cpu_without_cuda():
    assert resolve_device("auto") == resolve_device(None) == torch.device("cpu")
    assert default_batch_size("auto") == 32


def test_cpu_and_devices_pass_through():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert check_spec("cuda:3") == "cuda:3"


@no_cuda
@pytest.mark.parametrize("spec", ["cuda", "cuda:0", "cuda:7"])
def test_cuda_without_a_gpu_is_one_line(spec):
    with pytest.raises(ConfigError, match=rf"^no CUDA device for --device {spec}: ") as caught:
        resolve_device(spec)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("spec", ["cuda:x", "cuda:", "mps", "foo", "CUDA", "gpu", "", "cpu:0"])
def test_misspelled_devices_are_refused(spec):
    for check in (check_spec, resolve_device):
        with pytest.raises(ConfigError, match="expected one of auto, cpu, cuda, cuda:N"):
            check(spec)


def test_encode_settings_check_the_spelling():
    from lsr_lucene.encoding.stages.settings import EncodeSettings

    with pytest.raises(ConfigError, match="'mps'"):
        EncodeSettings(device="mps")


def test_a_misspelled_device_is_an_argparse_error(capsys):
    from lsr_lucene.cli.main import main

    with pytest.raises(SystemExit) as exited:
        main(["encode", "--collection", str(SLICE), "--output", "unused", "--device", "cuda:x"])
    assert exited.value.code == 2
    assert "argument --device: device 'cuda:x': expected one of" in capsys.readouterr().err


@no_cuda
def test_encode_and_train_with_cuda_end_in_one_line(tmp_path, capsys):
    from lsr_lucene.cli.main import main

    assert main(["encode", "--collection", str(SLICE), "--output", str(tmp_path / "v"), "--device", "cuda",
                 "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lsr-lucene encode: error: no CUDA device for --device cuda: ") and "\n" not in err
    assert main(["train", str(REPO / "configs" / "train" / "smoke.toml"), "--output", str(tmp_path / "t"),
                 "--device", "cuda:1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lsr-lucene train: error: no CUDA device for --device cuda:1: ") and "\n" not in err


def test_the_device_is_not_part_of_a_training_run_identity():
    from lsr_lucene.training.config import TrainConfig
    from lsr_lucene.training.trainer import _identity

    assert _identity(TrainConfig(device="cpu")) == _identity(TrainConfig(device="cuda:1"))


@no_cuda
def test_the_python_api_takes_the_device(tmp_path):
    import lsr_lucene

    with pytest.raises(ConfigError, match="^no CUDA device for --device cuda: "):
        lsr_lucene.encode_corpus([("d1", "protein folding")], tmp_path / "gpu", device="cuda", progress=False)
    with pytest.raises(ConfigError, match="^no CUDA device for --device cuda:0: "):
        lsr_lucene.QueryImpactEncoder("splade-tiny", device="cuda:0")
    manifest = lsr_lucene.encode_corpus([("d1", "protein folding")], tmp_path / "cpu", device="cpu", progress=False)
    assert manifest["device"] == "cpu" and manifest["totals"]["records"] == 1
    assert lsr_lucene.QueryImpactEncoder("splade-tiny", device="auto").encode("protein folding")
