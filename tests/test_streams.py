"""Streams: the progress bar every stage shows (its rate counts from the first update, not from its creation), and
work mapped one item ahead."""

import time

from lsr_lucene.streams import progress


def remaining_seconds(bar):
    """The time left the bar would print (None for "?")."""
    d = bar.format_dict
    rate = d["rate"] or ((d["n"] - d["initial"]) / d["elapsed"] if d["elapsed"] else None)
    return (d["total"] - d["n"]) / rate if rate else None


def test_the_first_update_does_not_estimate_from_the_start_up(capsys):
    bar = progress(desc="encode", total=100_000)
    bar.start_t -= 600  # ten minutes of model loading before the first batch
    bar.last_print_t -= 600
    bar.update(32)  # once: ETA 100,000 / (32 per 600 s), 21 days
    assert bar.n == 32
    assert remaining_seconds(bar) is None  # "?" until the second update measures a rate
    bar.last_print_t -= 2  # two seconds for the next 3,200 docs
    bar.start_t -= 2
    bar.update(3_200)
    assert 30 < remaining_seconds(bar) < 120
    bar.close()


def test_over_an_iterable_and_disabled():
    def slow_start():
        time.sleep(1.1)  # the first item comes after the start-up
        yield from range(10)

    bar = progress(slow_start(), desc="x", total=10)
    assert list(bar) == list(range(10))
    assert bar.n == 10 and bar.format_dict["elapsed"] < 1.0
    quiet = progress(range(3), desc="x", enabled=False)
    quiet.update(5)
    assert list(quiet) == [0, 1, 2]


def test_mapped_ahead_keeps_order_never_overlaps_calls_and_raises_in_place():
    import threading

    from lsr_lucene.streams import mapped_ahead

    running, most, lock = [0], [0], threading.Lock()

    def square(x):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        if x == 4:
            raise ValueError("bad item 4")
        return x * x

    for ahead in (False, True):
        seen = []
        try:
            for item, result in mapped_ahead(square, range(6), ahead):
                seen.append((item, result))
        except ValueError as exc:
            assert str(exc) == "bad item 4"
        assert seen == [(0, 0), (1, 1), (2, 4), (3, 9)]
    assert most[0] == 1


def test_mapped_ahead_runs_the_next_call_while_the_caller_works():
    import threading

    from lsr_lucene.streams import mapped_ahead

    for ahead in (False, True):
        started = {i: threading.Event() for i in range(3)}

        def work(x):
            started[x].set()
            return x

        for item, _ in mapped_ahead(work, range(3), ahead):
            if item == 0:
                assert started[1].wait(timeout=5 if ahead else 0.05) is ahead
