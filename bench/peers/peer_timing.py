"""Timing shared by the inference peer benchmarks."""
import time


def timed(fn, seconds: float) -> float:
    """ms per call of `fn`: 3 warm-up calls, then calls for at least `seconds` and 5 calls."""
    for _ in range(3):
        fn()
    t0, n = time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds or n < 5:
        fn()
        n += 1
    return (time.perf_counter() - t0) * 1000 / n
