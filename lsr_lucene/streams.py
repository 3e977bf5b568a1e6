"""Long streams of items: consecutive windows of them, and the one progress bar every stage shows over them."""

from __future__ import annotations

from itertools import islice
from typing import Any, Iterable, Iterator, TypeVar

T = TypeVar("T")


def windows(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of up to ``size`` items (the last may be shorter)."""
    iterator = iter(items)
    while window := list(islice(iterator, size)):
        yield window


def progress(iterable: Iterable[Any] | None = None, *, desc: str, total: int | None = None, unit: str = " docs",
             initial: int = 0, enabled: bool = True) -> Any:
    """A tqdm bar (over ``iterable`` when given); a disabled bar, whose updates do nothing, when not ``enabled``."""
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, initial=initial, dynamic_ncols=True, mininterval=1.0,
                disable=not enabled)
