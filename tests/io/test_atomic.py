"""atomic_dir: a run SIGKILLed while it replaces a folder leaves the old or the new one, never neither."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lsr_lucene.errors import BusyError
from lsr_lucene.io.atomic import atomic_dir, writer_lock

KILLED = """
import os, shutil, signal, sys
from pathlib import Path
import lsr_lucene.io.atomic as atomic
from lsr_lucene.io.atomic import atomic_dir

atomic._exchange = lambda a, b: False  # the rename-aside path (the one-step swap is tested by the index updates)

target, when = Path(sys.argv[1]), sys.argv[2]
real_replace, real_rmtree = os.replace, shutil.rmtree

def replace(src, dst):  # SIGKILL just before the new folder is renamed in
    if when == "rename-in" and Path(dst) == target and Path(src).name.endswith(".tmp"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst)

def rmtree(path, *args, **kwargs):  # SIGKILL just before the old folder, already aside, is removed
    if when == "remove-old" and Path(path).name == f".{target.name}.old":
        os.kill(os.getpid(), signal.SIGKILL)
    return real_rmtree(path, *args, **kwargs)

os.replace, shutil.rmtree = replace, rmtree
with atomic_dir(target) as tmp:
    (tmp / "data.txt").write_text("new")
"""


def kill_while_replacing(target: Path, when: str) -> None:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(KILLED), str(target), when], capture_output=True,
                          text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr


def failed_rerun(target: Path) -> None:
    with pytest.raises(RuntimeError):
        with atomic_dir(target):
            raise RuntimeError("the rerun fails too")


@pytest.fixture()
def old(tmp_path: Path) -> Path:
    target = tmp_path / "index"
    target.mkdir()
    (target / "data.txt").write_text("old")
    return target


def test_kill_before_the_new_folder_is_renamed_in_keeps_the_old_one(old):
    kill_while_replacing(old, "rename-in")
    failed_rerun(old)  # the next run puts the old folder back first
    assert (old / "data.txt").read_text() == "old"
    assert sorted(p.name for p in old.parent.iterdir()) == ["index"]


def test_kill_before_the_old_folder_is_removed_keeps_the_new_one(old):
    kill_while_replacing(old, "remove-old")
    assert (old / "data.txt").read_text() == "new"
    failed_rerun(old)
    assert (old / "data.txt").read_text() == "new"
    assert sorted(p.name for p in old.parent.iterdir()) == ["index"]


def test_a_second_writer_is_refused_naming_the_first(tmp_path):
    import os

    with writer_lock(tmp_path / "index"):
        with pytest.raises(BusyError, match=f"process {os.getpid()}"):
            with atomic_dir(tmp_path / "index"):
                pass
    with atomic_dir(tmp_path / "index") as tmp:  # released on exit, lock file removed
        (tmp / "data.txt").write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]
