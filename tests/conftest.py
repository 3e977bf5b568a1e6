"""Shared fixtures: real data from ../shared/data (or the embedded SciFact), the real SPLADE-tiny model, a real JVM."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def shared(name: str) -> Path:
    """A collection folder from ../shared/data; the test is skipped when it is absent (a user's clone)."""
    path = SHARED / name
    if not path.is_dir():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="session")
def splade_tiny() -> str:
    from lsr_lucene.models import resolve_model

    return resolve_model("splade-tiny")


@pytest.fixture(scope="session")
def encoder(splade_tiny: str):
    from lsr_lucene.encoders.splade import SpladeEncoder

    return SpladeEncoder(splade_tiny, dtype="fp32", threads=2)


@pytest.fixture(scope="session")
def jvm_started() -> None:
    from lsr_lucene import jvm

    jvm.start()


@pytest.fixture()
def tmp(tmp_path: Path) -> Path:
    return tmp_path


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("LSR_LUCENE_HEAP", "3g")  # Java's default (a quarter of RAM) lets one test process reach 8 GB
