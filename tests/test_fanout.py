"""Dialects rendered in worker processes give what rendering in one process gives; the bar."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sqlgen import api
from sqlgen.fanout import Tick, cores, fan_out
from sqlgen.generation import GenerateRequest, render_outputs
from sqlgen.progress import ProgressBar


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
