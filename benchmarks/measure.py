"""Timing whole processes: wall time and peak resident memory, over repeated runs."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    seconds: float
    peak_mb: float  # the largest process of the run (its reaped workers included)


@dataclass(frozen=True)
class Series:
    name: str
    samples: tuple[Sample, ...]

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def low(self) -> float:
        return min(s.seconds for s in self.samples)

    @property
    def high(self) -> float:
        return max(s.seconds for s in self.samples)

    @property
    def peak_mb(self) -> float:
        return max(s.peak_mb for s in self.samples)


class CommandFailed(RuntimeError):
    pass


def run_once(argv: Sequence[str | Path], cwd: Path, env: dict[str, str], stdout: Path) -> Sample:
    """One run of a command; its output goes to `stdout`, its stderr is kept for errors.

    os.wait4 reports the child's rusage; ru_maxrss is the peak of the child or of
    any descendant it waited for (sqlgen's worker processes), in KiB on Linux.
    """
    with stdout.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(a) for a in argv], cwd=cwd, env=env, stdout=out, stderr=subprocess.PIPE
        )
        assert process.stderr is not None
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        command = " ".join(str(a) for a in argv)
        raise CommandFailed(f"{command} (in {cwd}) exited {process.returncode}:\n{errors.decode()}")
    return Sample(elapsed, usage.ru_maxrss / 1024)


def series(
    name: str,
    runs: int,
    once: Callable[[int], Sample],
) -> Series:
    """`runs` samples of `once(i)`; `once` does its own preparation for run i."""
    return Series(name, tuple(once(i) for i in range(runs)))
