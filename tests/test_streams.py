"""The progress bar every stage shows: its rate counts from the first update, not from its creation."""

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
