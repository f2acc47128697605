"""Dialects rendered in worker processes give what rendering in one process gives; the bar."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from sqlgen import api
from sqlgen.cli.progress import ProgressBar
from sqlgen.pipeline.fanout import Tick, cores, fan_out
from sqlgen.pipeline.generation import GenerateRequest, render_outputs


def _square(index: int, tick: Tick) -> int:
    for _ in range(index):
        tick()
    return index * index


@pytest.mark.parametrize("parallel", [False, True])
def test_fan_out_keeps_the_order_and_counts_every_tick(parallel: bool) -> None:
    seen: list[int] = []
    assert fan_out(_square, 6, parallel=parallel, on_progress=seen.append) == [
        0,
        1,
        4,
        9,
        16,
        25,
    ]
    assert sum(seen) == 0 + 1 + 2 + 3 + 4 + 5


def _dispositions(index: int, tick: Tick) -> tuple[bool, bool]:
    return (
        signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
        signal.getsignal(signal.SIGTERM) is signal.SIG_DFL,
    )


def _need_workers() -> None:
    if cores() < 2 or sys.platform == "win32":
        pytest.skip("one core (or no fork): the workers path is not taken")


def test_workers_leave_ctrl_c_to_the_parent_and_end_on_sigterm() -> None:
    """Workers ignore SIGINT (the parent prints one line and exits 130) and take SIGTERM's
    default action even when the parent has a handler of its own, as `sqlgen verify`
    installs: Pool.terminate() must end them, never wait on one that keeps running."""
    _need_workers()
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        assert fan_out(_dispositions, 2, parallel=True) == [(True, True), (True, True)]
    finally:
        signal.signal(signal.SIGTERM, previous)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state


@pytest.fixture
def sqlgen_process() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str | Path) -> subprocess.Popen[str]:
        argv = [sys.executable, "-m", "sqlgen", *map(str, args)]
        started.append(
            subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,  # its own process group, as a shell job has
            )
        )
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_ctrl_c_while_workers_render_exits_130_with_one_line(
    corpus: Callable[[int], Path],
    sqlgen_process: Callable[..., subprocess.Popen[str]],
    tmp_path: Path,
) -> None:
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while the
    workers render: exit 130, `interrupted` on stderr, no `Process ForkPoolWorker-N:`
    traceback, and no worker left running."""
    if not Path("/proc/self/task").is_dir():
        pytest.skip("needs /proc to see the workers")
    _need_workers()
    root = corpus(500)
    dialects = ["-d", "postgresql", "-d", "mysql", "-d", "mssql", "-d", "oracle"]
    process = sqlgen_process(
        "-p", root, "upgrade", "base:heads", *dialects, "--no-cache", "-o", tmp_path / "out"
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while not workers and process.poll() is None and time.monotonic() < deadline:
        workers = _children(process.pid)
        time.sleep(0.02)
    assert workers, "the workers never started (or the run ended first)"
    time.sleep(0.3)  # well inside the rendering
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert "ForkPoolWorker" not in stderr and "Traceback" not in stderr, stderr
    assert stderr.splitlines() == ["interrupted"]
    assert process.returncode == 130
    assert not [pid for pid in workers if _alive(pid)]


def test_workers_render_byte_for_byte_what_one_process_renders(
    corpus: Callable[[int], Path],
) -> None:
    if cores() < 2:
        pytest.skip("one core: the workers path is not taken")
    workspace = api.open_project(corpus(200))
    dialects = ["postgresql", "mysql", "mssql", "oracle"]
    request = GenerateRequest("upgrade", "base:heads", dialects, per_revision=True)
    in_process = render_outputs(workspace, request, keep_runs=True)
    in_workers = render_outputs(workspace, request, keep_runs=False)
    assert in_workers.runs == []  # the captures stayed in the workers
    assert in_workers.files == in_process.files  # paths, contents, and what each file is
    assert in_workers.section == in_process.section
    assert in_workers.failures == in_process.failures


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_draws_on_a_terminal_only_after_a_second_and_erases_itself() -> None:
    clock = _Clock()
    terminal = _Terminal()
    bar = ProgressBar(terminal, clock=clock)
    bar.start(400)
    bar.advance(100)
    assert terminal.getvalue() == ""  # a short run stays quiet
    clock.now = 1.5
    bar.advance(100)
    assert terminal.getvalue().endswith("rendering [###############...............] 200/400 (50%)")
    clock.now = 1.55
    bar.advance(100)  # within a tenth of a second: not redrawn
    assert terminal.getvalue().count("\r") == 1
    clock.now = 2.0
    bar.advance(100)
    bar.finish()
    drawn = terminal.getvalue()
    assert "400/400 (100%)" in drawn and "\n" not in drawn
    assert drawn.endswith(
        "\r" + " " * len("rendering [") + " " * 30 + " " * len("] 400/400 (100%)") + "\r"
    )


def test_the_bar_draws_nothing_when_stderr_is_not_a_terminal() -> None:
    clock = _Clock()
    stream = io.StringIO()
    bar = ProgressBar(stream, clock=clock)
    bar.start(10)
    clock.now = 5.0
    bar.advance(10)
    bar.finish()
    assert stream.getvalue() == ""


def test_the_cli_draws_no_bar_into_output_that_is_not_a_terminal(
    cli: Callable[..., Result], corpus: Callable[[int], Path]
) -> None:
    result = cli("--project", corpus(200), "upgrade", "base:heads", "-d", "postgresql", "--stdout")
    assert result.exit_code == 0
    assert "rendering [" not in result.output and "\r" not in result.output
