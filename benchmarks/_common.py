"""What the benchmark scripts share: timing and making the 100-county province."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def seconds(fn: Callable[[], object]) -> tuple[float, object]:
    """``(wall seconds, value)`` of ``fn()``."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """``(wall seconds, CPU seconds of this process, value)`` of ``fn()``: on a shared machine
    the CPU time is what other work disturbs least."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value
