"""The benchmark's table, its targets, and the machine it ran on, as Markdown."""

from __future__ import annotations

import datetime
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import Series
from sqlgen.cache.fingerprint import installed_versions
from sqlgen.pipeline.fanout import cores

START = "<!-- bench:start (written by `make bench`; edit outside these markers) -->"
END = "<!-- bench:end -->"


@dataclass(frozen=True)
class CorpusResult:
    revisions: int
    alembic: tuple[Series, ...]  # one per dialect
    sqlgen: tuple[Series, ...]  # cold, --no-cache, warm, one edit, --help

    @property
    def alembic_sum(self) -> float:
        return sum(s.median for s in self.alembic)

    def named(self, name: str) -> Series:
        return next(s for s in self.sqlgen if s.name == name)


@dataclass(frozen=True)
class Target:
    what: str
    goal: str
    measured: str
    met: bool


def _row(series: Series, baseline: float | None) -> str:
    ratio = f"{series.median / baseline:.2f}" if baseline else ""
    return (
        f"| {series.name} | {series.median:.3f} | {series.low:.3f}–{series.high:.3f} "
        f"| {ratio} | {series.peak_mb:.0f} |"
    )


def table(result: CorpusResult) -> list[str]:
    runs = len(result.alembic[0].samples)
    lines = [
        f"### {result.revisions} revisions (median of {runs} runs)",
        "",
        "| command | median s | min–max s | ÷ Alembic sum | peak RSS MB |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [_row(s, None) for s in result.alembic]
    peak = max(s.peak_mb for s in result.alembic)
    lines.append(
        f"| **alembic, sum of the four** | **{result.alembic_sum:.3f}** | | 1.00 | {peak:.0f} |"
    )
    lines += [_row(s, result.alembic_sum) for s in result.sqlgen]
    return lines


def targets(results: Sequence[CorpusResult]) -> list[Target]:
    by_size = {r.revisions: r for r in results}
    found: list[Target] = []
    if 1000 in by_size:
        r = by_size[1000]
        cold = r.named("sqlgen cold").median
        ratio = cold / r.alembic_sum
        found.append(
            Target("cold, 1,000 revisions", "≤ 0.50 × Alembic sum", f"{ratio:.2f} ×", ratio <= 0.5)
        )
        warm = r.named("sqlgen warm").median / cold
        found.append(Target("warm, nothing changed", "≤ 0.10 × cold", f"{warm:.3f} ×", warm <= 0.1))
        edit = r.named("sqlgen one edit").median / cold
        found.append(Target("one revision edited", "≤ 0.25 × cold", f"{edit:.2f} ×", edit <= 0.25))
        start = r.named("sqlgen --help").median
        found.append(Target("start-up, sqlgen --help", "≤ 0.15 s", f"{start:.3f} s", start <= 0.15))
    if 1000 in by_size and 5000 in by_size:
        scale = (
            by_size[5000].named("sqlgen cold").median / by_size[1000].named("sqlgen cold").median
        )
        found.append(Target("scaling, cold 5,000 ÷ 1,000", "≤ 5.5", f"{scale:.2f}", scale <= 5.5))
    if 5000 in by_size:
        peak = max(s.peak_mb for s in by_size[5000].sqlgen)
        found.append(
            Target("peak memory, 5,000 revisions", "≤ 250 MB", f"{peak:.0f} MB", peak <= 250)
        )
    return found


def target_lines(found: Sequence[Target]) -> list[str]:
    lines = ["| target | goal | measured | |", "|---|---|---:|---|"]
    lines += [
        f"| {t.what} | {t.goal} | {t.measured} | {'met' if t.met else '**missed**'} |"
        for t in found
    ]
    return lines


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GB"
    except OSError:
        pass
    return "unknown"


def _commit() -> str:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True)
        return found.stdout.strip() + (
            " (with uncommitted changes)" if dirty.stdout.strip() else ""
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> list[str]:
    libraries = ", ".join(
        f"{n} {v}" for n, v in installed_versions(("sqlalchemy", "alembic", "sqlglot", "sqlglotc"))
    )
    return [
        f"- date: {datetime.date.today().isoformat()}, sqlgen commit {_commit()}",
        f"- CPU: {_cpu()}, {cores()} cores available; memory {_memory_gb()}",
        f"- {platform.platform()}, Python {platform.python_version()}",
        f"- {libraries}",
    ]


def document(results: Sequence[CorpusResult]) -> list[str]:
    lines = ["## Results", "", "Machine:", "", *machine(), "", "Targets:", ""]
    lines += target_lines(targets(results))
    for result in results:
        lines += ["", *table(result)]
    return lines


def write_into(path: Path, lines: Sequence[str]) -> None:
    """Replace what is between the markers in `path` (the rest is hand-written)."""
    block = "\n".join([START, *lines, END])
    text = (
        path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    )
    before, found, rest = text.partition(START)
    after = rest.partition(END)[2] if found else ""
    path.write_text(
        before + block + after if found else text + "\n" + block + "\n", encoding="utf-8"
    )
