"""What the benchmarks say about the machine they ran on. Machines of the same kind here have differed nearly
threefold in speed from one session to the next (the same code's search p95 at 100k services: 55 ms on one, 154 ms
on another), so every benchmark prints this line beside its figures: compare figures only from machines whose
reference times are alike, or run both versions back to back on one machine."""

import os
import time

REFERENCE_LOOP = 5_000_000


def reference_ms() -> float:
    """Milliseconds for a fixed piece of plain Python (summing REFERENCE_LOOP integers), the best of three: the
    interpreter's speed on this machine, as it runs most of a request's work."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(REFERENCE_LOOP):
            total += number
        best = min(best, time.perf_counter() - started)
    return best * 1000


def describe(load: float) -> str:
    """The machine in one line: CPUs, the load average before the run (``load``), and the reference time."""
    return (
        f"{os.cpu_count()} CPUs, load average {load:.1f} before the run (other work on the machine skews figures); "
        f"reference loop {reference_ms():.0f} ms (machine speed: compare figures only across similar values)"
    )
