"""Running one piece of work per dialect, in worker processes when that pays.

Rendering is CPU-bound Python, so threads would not help; processes do. Workers
are forked after the project's scripts are loaded, so they start with them
imported and nothing is loaded twice. Where fork is not available, or there is
one core or one dialect, the work runs in this process, in order. Either way
the results come back in the order of the work, so the output does not depend
on which worker finished first.

The work reports each revision it renders through `tick`; from workers the
ticks go through a shared counter that this process reads to drive progress.

Ctrl-C reaches every process of the terminal's group: workers ignore SIGINT, so
only this process sees it (KeyboardInterrupt: the CLI exits 130, one line) and
the pool is terminated on the way out. Workers take SIGTERM's default action
whatever handler this process has installed, so terminating the pool never waits
on a worker that runs a handler instead of ending.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
Tick = Callable[[], None]
Work = Callable[[int, Tick], T]

# What forked workers need; set just before the pool starts, cleared after it.
_shared: dict[str, Any] = {}


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _worker_signals() -> None:
    """Each worker's first act: Ctrl-C is the parent's to handle; SIGTERM ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _in_worker(index: int) -> Any:
    counter = _shared["counter"]

    def tick() -> None:
        with counter.get_lock():
            counter.value += 1

    return _shared["work"](index, tick)


def fan_out(
    work: Work[T], count: int, *, parallel: bool, on_progress: Callable[[int], None] | None = None
) -> list[T]:
    """[work(0, tick), ..., work(count - 1, tick)], in worker processes if `parallel`."""
    workers = min(count, cores()) if parallel and _can_fork() else 1
    if workers <= 1:

        def tick() -> None:
            if on_progress is not None:
                on_progress(1)

        return [work(index, tick) for index in range(count)]
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    _shared.update(work=work, counter=counter)
    try:
        with context.Pool(workers, initializer=_worker_signals) as pool:
            pending = pool.map_async(_in_worker, range(count), chunksize=1)
            seen = 0
            while not pending.ready():
                pending.wait(0.1)
                done = int(counter.value)
                if on_progress is not None and done > seen:
                    on_progress(done - seen)
                    seen = done
            results: list[T] = pending.get()
    finally:
        _shared.clear()
    return results


@contextmanager
def tuned_gc() -> Iterator[None]:
    """Fewer cyclic collections while a run builds its many small, long-lived objects.

    The loaded scripts move out of the collector's sight (gc.freeze), and the
    first generation is collected every 50,000 allocations rather than 700:
    the run creates far more objects than it frees, and with the default
    thresholds the collector takes a fifth of the time.
    """
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()
