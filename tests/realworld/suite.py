"""Run the real-world suite: every project, dialect and direction, Alembic and sqlgen.

For each range (`upgrade base:heads`, `downgrade heads:base`) of each project and
dialect of projects.toml:

1. `alembic upgrade|downgrade RANGE --sql` through the project's harness env.py
   (tests/realworld/alembic_offline.py, Alembic's command API);
2. sqlgen, strict (`--data-reads=fail`, the default) and `--data-reads=empty`,
   `--stdout --no-cache`;
3. where Alembic and sqlgen both complete, a token-by-token comparison
   (tests/realworld/compare.py, with the documented differences of differences.toml).

Then `sqlgen verify base:heads` on SQLite, and on PostgreSQL when its server binaries
are installed, for each project whose scripts sqlgen completes (strict if it can,
else empty mode); and, one at a time so that nothing else runs beside them, the
timings: Alembic per dialect (upgrade base:heads), sqlgen cold (a fresh cache folder)
and warm (the same command again) on all the project's dialects in one run.

Every command runs in its own process with a timeout; a failure of any kind is a
result (completed: no, with its reason), never a crash of the suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.realworld.compare import Allowance, compare, load_allowances
from tests.realworld.projects import (
    HERE,
    URLS,
    FetchError,
    Project,
    cache_root,
    load_projects,
    prepare,
)

SPECS = {"upgrade": "base:heads", "downgrade": "heads:base"}
DIRECTIONS = ("upgrade", "downgrade")
MODES = ("strict", "empty")
VERIFY_DIALECTS = ("sqlite", "postgresql")
TIMEOUT = 240.0  # seconds, for one command
VERIFY_TIMEOUT = 420.0


# --- results ---------------------------------------------------------------------------


@dataclass
class Outcome:
    ok: bool
    reason: str = ""  # first line of the error, when not ok
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # every error line (a few)


@dataclass
class Comparison:
    same: bool
    steps: int = 0
    differing_steps: int = 0
    statements: int = 0
    first: str = ""
    problems: list[str] = field(default_factory=list)
    applied: dict[str, int] = field(default_factory=dict)


@dataclass
class RangeResult:
    project: str
    version: str
    dialect: str
    direction: str
    alembic: Outcome
    sqlgen: dict[str, Outcome]  # by mode
    compared: dict[str, Comparison]  # by mode, where Alembic and that mode completed
    verify: str = ""  # "passed", "failed: ...", "not run: ..."

    @property
    def key(self) -> str:
        return f"{self.project}-{self.dialect}-{self.direction}"


@dataclass
class Timing:
    project: str
    version: str
    revisions: int
    dialects: list[str]
    alembic: dict[str, Outcome]  # upgrade base:heads, per dialect
    cold: Outcome
    warm: Outcome


@dataclass
class Results:
    started: str
    seconds: float
    sqlgen_version: str
    alembic_version: str
    sqlalchemy_version: str
    python: str
    postgres: bool
    ranges: list[RangeResult]
    timings: list[Timing]
    verify: dict[str, str]  # "project-dialect" -> outcome
    fetch_errors: dict[str, str]
    allowances: dict[str, str]  # id -> reason


def save(results: Results, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(results), indent=1, sort_keys=True), encoding="utf-8")


def _outcome(data: dict[str, Any]) -> Outcome:
    return Outcome(**data)


def load(path: Path) -> Results:
    data = json.loads(path.read_text(encoding="utf-8"))
    ranges = [
        RangeResult(
            project=r["project"],
            version=r["version"],
            dialect=r["dialect"],
            direction=r["direction"],
            alembic=_outcome(r["alembic"]),
            sqlgen={m: _outcome(o) for m, o in r["sqlgen"].items()},
            compared={m: Comparison(**c) for m, c in r["compared"].items()},
            verify=r["verify"],
        )
        for r in data["ranges"]
    ]
    timings = [
        Timing(
            project=t["project"],
            version=t["version"],
            revisions=t["revisions"],
            dialects=t["dialects"],
            alembic={d: _outcome(o) for d, o in t["alembic"].items()},
            cold=_outcome(t["cold"]),
            warm=_outcome(t["warm"]),
        )
        for t in data["timings"]
    ]
    rest = {k: v for k, v in data.items() if k not in ("ranges", "timings")}
    return Results(ranges=ranges, timings=timings, **rest)


# --- running one command -----------------------------------------------------------------


def _base_env(project: Project, dialect: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SQLGEN_", "ALEMBIC_"))}
    env.update(project.environment(dialect))
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONPATH", None)
    return env


def _run(
    argv: Sequence[str | Path],
    env: dict[str, str],
    cwd: Path,
    stdout: Path,
    timeout: float,
) -> tuple[int | None, str, float]:
    """Run one command in its own process group: (exit code or None on timeout, stderr, s)."""
    with stdout.open("wb") as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        try:
            process = subprocess.Popen(
                [str(a) for a in argv],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        except OSError as exc:
            return 127, f"cannot start {argv[0]}: {exc}", 0.0
        # wait(timeout=...) polls, sleeping up to 50 ms between looks, which a 0.1 s
        # warm run would be timed with; a timer kills the process instead
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            returned = process.wait()
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - started
        code: int | None = None if timed_out.is_set() else returned
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return code, text, elapsed


def _strip(line: str, limit: int = 400) -> str:
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _alembic_outcome(code: int | None, stderr: str, seconds: float, timeout: float) -> Outcome:
    if code is None:
        return Outcome(False, f"timeout after {timeout:.0f} s", seconds)
    if code == 0:
        return Outcome(True, "", seconds)
    marker = "alembic-offline: error: "
    lines = [ln[len(marker) :] for ln in stderr.splitlines() if ln.startswith(marker)]
    if not lines:
        lines = [ln for ln in stderr.splitlines() if ln.strip()][-1:] or [f"exit code {code}"]
    return Outcome(False, _strip(lines[0]), seconds, [_strip(x) for x in lines])


def _sqlgen_outcome(code: int | None, stderr: str, seconds: float, timeout: float) -> Outcome:
    if code is None:
        return Outcome(False, f"timeout after {timeout:.0f} s", seconds)
    if code == 0:
        return Outcome(True, "", seconds)
    errors = [
        ln[len("error: ") :].strip() for ln in stderr.splitlines() if ln.startswith("error: ")
    ]
    detail = [e for e in errors if not _is_summary(e)] or errors
    if not detail:
        # a traceback, or an error written some other way: its last line says what
        detail = [ln for ln in stderr.splitlines() if ln.strip()][-1:] or [f"exit code {code}"]
    return Outcome(False, _strip(detail[0]), seconds, [_strip(e) for e in detail[:200]])


def _is_summary(line: str) -> bool:
    return "revision(s) failed" in line or line.startswith("nothing written")


def _sqlgen_command() -> list[str]:
    script = Path(sys.executable).parent / "sqlgen"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "sqlgen"]


# --- the suite ---------------------------------------------------------------------------


@dataclass
class Plan:
    projects: list[Project]
    work: Path  # scratch folder for scripts
    jobs: int = 2
    verify: bool = True
    timing: bool = True
    allowances: list[Allowance] = field(default_factory=list)
    say: Callable[[str], None] = print


def _one_range(
    plan: Plan, project: Project, harness: Path, dialect: str, direction: str
) -> RangeResult:
    spec = SPECS[direction]
    env = _base_env(project, dialect)
    folder = plan.work / project.name / f"{dialect}-{direction}"
    folder.mkdir(parents=True, exist_ok=True)
    alembic_sql = folder / "alembic.sql"
    code, stderr, seconds = _run(
        [
            sys.executable,
            "-P",
            HERE / "alembic_offline.py",
            harness / "alembic.ini",
            URLS[dialect],
            direction,
            spec,
            alembic_sql,
        ],
        env,
        harness,
        folder / "alembic.stdout",
        TIMEOUT,
    )
    (folder / "alembic.stderr").write_text(stderr, encoding="utf-8")
    alembic = _alembic_outcome(code, stderr, seconds, TIMEOUT)
    outcomes: dict[str, Outcome] = {}
    compared: dict[str, Comparison] = {}
    for mode in MODES:
        out = folder / f"sqlgen-{mode}.sql"
        argv = [*_sqlgen_command(), "--project", harness, direction, spec, "-d", dialect]
        argv += ["--stdout", "--no-cache"]
        if mode == "empty":
            argv += ["--data-reads", "empty"]
        code, stderr, seconds = _run(argv, env, harness, out, TIMEOUT)
        (folder / f"sqlgen-{mode}.stderr").write_text(stderr, encoding="utf-8")
        outcomes[mode] = _sqlgen_outcome(code, stderr, seconds, TIMEOUT)
        if alembic.ok and outcomes[mode].ok:
            rules = [
                a for a in plan.allowances if a.applies(project.name, dialect, direction, mode)
            ]
            try:
                found = compare(
                    alembic_sql.read_text(encoding="utf-8", errors="replace"),
                    out.read_text(encoding="utf-8", errors="replace"),
                    dialect,
                    rules,
                )
                compared[mode] = Comparison(
                    same=found.same,
                    steps=found.steps,
                    differing_steps=found.differing_steps,
                    statements=found.statements,
                    first=_strip(found.first_problem()),
                    problems=found.problems,
                    applied=found.applied,
                )
            except Exception as exc:  # a script the tokenizer cannot read is a difference
                compared[mode] = Comparison(
                    same=False, first=_strip(f"cannot compare: {type(exc).__name__}: {exc}")
                )
    result = RangeResult(
        project.name, project.version, dialect, direction, alembic, outcomes, compared
    )
    plan.say(f"{result.key}: {_summary(result)}")
    return result


def _summary(r: RangeResult) -> str:
    def mark(o: Outcome) -> str:
        return "ok" if o.ok else "no"

    same = r.compared.get("strict")
    return (
        f"alembic {mark(r.alembic)}, strict {mark(r.sqlgen['strict'])}, "
        f"empty {mark(r.sqlgen['empty'])}"
        + (f", same tokens {'yes' if same.same else 'no'}" if same else "")
    )


def postgres_available() -> bool:
    if shutil.which("pg_ctl") and shutil.which("initdb"):
        return True
    return any(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))


def _verify(plan: Plan, project: Project, harness: Path, dialect: str, mode: str) -> str:
    env = _base_env(project, dialect)
    if mode == "empty":
        env["SQLGEN_DATA_READS"] = "empty"
    folder = plan.work / project.name / f"verify-{dialect}"
    folder.mkdir(parents=True, exist_ok=True)
    argv = [*_sqlgen_command(), "--project", harness, "verify", "base:heads", "-d", dialect]
    argv += ["-o", folder / "scripts", *project.verify]
    code, stderr, _ = _run(argv, env, harness, folder / "stdout", VERIFY_TIMEOUT)
    (folder / "stderr").write_text(stderr, encoding="utf-8")
    suffix = " (empty mode)" if mode == "empty" else ""
    if code == 0:
        return f"passed{suffix}"
    if code is None:
        return f"failed{suffix}: timeout after {VERIFY_TIMEOUT:.0f} s"
    stdout = (folder / "stdout").read_text(encoding="utf-8", errors="replace")
    lines = [ln.strip() for ln in (stderr + "\n" + stdout).splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("note:", "warning:"))]
    problems = [ln.removeprefix("problem:").strip() for ln in lines if ln.startswith("problem:")]
    errors = [ln.removeprefix("error:").strip() for ln in lines if ln.startswith("error:")]
    first = (problems or errors or lines or [f"exit code {code}"])[0]
    return f"failed{suffix}: {_strip(first, 300)}"


def _verify_mode(ranges: list[RangeResult], project: str, dialect: str) -> str | None:
    mine = [r for r in ranges if r.project == project and r.dialect == dialect]
    for mode in MODES:
        if len(mine) == len(DIRECTIONS) and all(r.sqlgen[mode].ok for r in mine):
            return mode
    return None


def _count_revisions(harness: Path, project: Project) -> int:
    versions = harness.parent / "site" / project.versions
    return sum(1 for p in versions.glob("*.py") if p.name != "__init__.py")


def _compile_sqlgen() -> None:
    """Give sqlgen's modules their bytecode, as `pip install` does, so an editable
    checkout under PYTHONDONTWRITEBYTECODE is not timed compiling its own source."""
    import compileall

    import sqlgen

    compileall.compile_dir(Path(sqlgen.__file__).parent, quiet=1)


def _timing(plan: Plan, project: Project, harness: Path) -> Timing:
    folder = plan.work / project.name / "timing"
    folder.mkdir(parents=True, exist_ok=True)
    alembic: dict[str, Outcome] = {}
    for dialect in project.dialects:
        out = folder / f"alembic-{dialect}.sql"
        argv = [sys.executable, "-P", HERE / "alembic_offline.py", harness / "alembic.ini"]
        argv += [URLS[dialect], "upgrade", "base:heads", out]
        code, stderr, seconds = _run(
            argv, _base_env(project, dialect), harness, folder / "alembic.out", TIMEOUT
        )
        alembic[dialect] = _alembic_outcome(code, stderr, seconds, TIMEOUT)
    cache = folder / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    argv = [*_sqlgen_command(), "--project", harness, "upgrade", "base:heads"]
    for dialect in project.dialects:
        argv += ["-d", dialect]
    argv += ["-o", folder / "out", "--cache-dir", cache, "--data-reads", "empty"]
    env = _base_env(project, project.dialects[0])
    runs = []
    for _ in ("cold", "warm"):
        code, stderr, seconds = _run(argv, env, harness, folder / "sqlgen.out", TIMEOUT)
        runs.append(_sqlgen_outcome(code, stderr, seconds, TIMEOUT))
    timing = Timing(
        project.name,
        project.version,
        _count_revisions(harness, project),
        list(project.dialects),
        alembic,
        runs[0],
        runs[1],
    )
    plan.say(
        f"{project.name}: timing alembic "
        + ", ".join(f"{d} {o.seconds:.2f}s" for d, o in alembic.items())
        + f"; sqlgen cold {runs[0].seconds:.2f}s, warm {runs[1].seconds:.2f}s"
    )
    return timing


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("sqlgen", "alembic", "sqlalchemy"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "?"
    return found


def run_suite(plan: Plan) -> Results:
    started = time.time()
    fetch_errors: dict[str, str] = {}
    harnesses: dict[str, Path] = {}
    for project in plan.projects:
        try:
            harnesses[project.name] = prepare(project)
        except (FetchError, OSError) as exc:
            fetch_errors[project.name] = _strip(str(exc))
            plan.say(f"{project.name}: cannot be had: {exc}")
    ready = [p for p in plan.projects if p.name in harnesses]
    tasks = [(p, d, direction) for p in ready for d in p.dialects for direction in DIRECTIONS]
    with ThreadPoolExecutor(max_workers=max(1, plan.jobs)) as pool:
        ranges = list(
            pool.map(lambda t: _one_range(plan, t[0], harnesses[t[0].name], t[1], t[2]), tasks)
        )
    postgres = postgres_available()
    verify: dict[str, str] = {}
    if plan.verify:
        jobs: list[tuple[Project, str, str]] = []
        for project in ready:
            for dialect in VERIFY_DIALECTS:
                if dialect not in project.dialects:
                    continue
                key = f"{project.name}-{dialect}"
                if dialect == "postgresql" and not postgres:
                    verify[key] = "not run: no PostgreSQL server binaries"
                    continue
                mode = _verify_mode(ranges, project.name, dialect)
                if mode is None:
                    verify[key] = "not run: sqlgen does not complete both directions"
                    continue
                jobs.append((project, dialect, mode))
        with ThreadPoolExecutor(max_workers=max(1, plan.jobs)) as pool:
            done = list(
                pool.map(lambda j: _verify(plan, j[0], harnesses[j[0].name], j[1], j[2]), jobs)
            )
        for (project, dialect, _), outcome in zip(jobs, done, strict=True):
            verify[f"{project.name}-{dialect}"] = outcome
            plan.say(f"{project.name}-{dialect}: verify {outcome}")
    for r in ranges:
        r.verify = verify.get(f"{r.project}-{r.dialect}", "")
    if plan.timing:
        _compile_sqlgen()
    timings = [_timing(plan, p, harnesses[p.name]) for p in ready] if plan.timing else []
    versions = _versions()
    return Results(
        started=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        seconds=round(time.time() - started, 1),
        sqlgen_version=versions["sqlgen"],
        alembic_version=versions["alembic"],
        sqlalchemy_version=versions["sqlalchemy"],
        python=sys.version.split()[0],
        postgres=postgres,
        ranges=ranges,
        timings=timings,
        verify=verify,
        fetch_errors=fetch_errors,
        allowances={a.id: " ".join(a.reason.split()) for a in plan.allowances},
    )


def default_plan(
    names: Sequence[str] = (),
    jobs: int = 2,
    verify: bool = True,
    timing: bool = True,
    say: Callable[[str], None] = print,
) -> Plan:
    projects = load_projects()
    if names:
        unknown = set(names) - {p.name for p in projects}
        if unknown:
            raise SystemExit(f"unknown project(s): {', '.join(sorted(unknown))}")
        projects = [p for p in projects if p.name in names]
    work = cache_root() / "runs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    return Plan(projects, work, jobs, verify, timing, load_allowances(), say)


def default_results_path() -> Path:
    return cache_root() / "results.json"
