"""Long streams of items: consecutive windows of them, and the one progress bar every stage shows over them."""

from __future__ import annotations

from itertools import islice
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def windows(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of up to ``size`` items (the last may be shorter)."""
    iterator = iter(items)
    while window := list(islice(iterator, size)):
        yield window


def mapped_ahead(function: Callable[[T], R], items: Iterable[T], ahead: bool = True) -> Iterator[tuple[T, R]]:
    """``(item, function(item))`` for each item, in order. With ``ahead``, ``function`` of the next item runs in a
    background thread while the caller works on the current result (a GPU encodes the next window while this thread
    quantizes and writes); the calls themselves never overlap one another."""
    if not ahead:
        for item in items:
            yield item, function(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="lsr-lucene-ahead") as pool:
        pending = None
        for item in items:
            future = pool.submit(function, item)
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = (item, future)
        if pending is not None:
            yield pending[0], pending[1].result()


def progress(iterable: Iterable[Any] | None = None, *, desc: str, total: int | None = None, unit: str = " docs",
             initial: int = 0, enabled: bool = True) -> Any:
    """A tqdm bar (over ``iterable`` when given); a disabled bar, whose updates do nothing, when not ``enabled``.

    Its clock starts at its first update: the time before it (loading a model, encoding the first window of texts)
    and the items of that update do not count in the rate, so the first estimate of the time left is "?", not the
    whole stream at the speed of the start-up."""
    from tqdm import tqdm

    class Bar(tqdm):
        started = False

        def update(self, n: float | None = 1) -> bool | None:
            if self.disable or self.started:
                return super().update(n)
            self.started = True
            self.n += n or 0
            self.initial = self.last_print_n = self.n
            self.start_t = self.last_print_t = self._time()
            self.refresh()
            return True

    return Bar(iterable, total=total, desc=desc, unit=unit, initial=initial, dynamic_ncols=True, mininterval=1.0,
               disable=not enabled)
