"""Fidelity: sqlgen's statements equal `alembic upgrade|downgrade --sql`, token by token.

On the synthetic 200-revision corpus (linear, with two-branch splits and merges), for
each of postgresql, mysql, mssql and oracle, both directions. The only differences
allowed are the documented ones (see tests/sqltokens.py): layout, the version-table
INSERT's RETURNING/OUTPUT clause on Alembic's side, and the order of merge/unmerge
bookkeeping, compared by its effect on the version rows after every step; and the
types SQLAlchemy chooses by server version, which Alembic's uninitialized dialect does
not (INITIALIZED_TYPES).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest

from sqlgen.api import GenerateRequest, generate, open_project
from sqlgen.project.graph import Direction
from tests.sqltokens import DIALECTS, Comparison, compare_scripts

REVISIONS = 200
SPECS = {"upgrade": "base:heads", "downgrade": "heads:base"}
# lower bounds on the non-version statements compared, so the test cannot pass vacuously
MIN_STATEMENTS = {"upgrade": 500, "downgrade": 400}


# `alembic --sql` never initializes its dialect: it compiles with the dialect class's
# defaults. sqlgen initializes it for the profile's server version, as SQLAlchemy does
# on its first connection (tests/test_server_versions.py). Where the corpus meets one
# of those choices, Alembic's reference is rewritten to it, and nothing else is.
INITIALIZED_TYPES: dict[str, list[tuple[str, str]]] = {
    # Oracle 19: BOOLEAN is native from Oracle 23 only
    "oracle": [(r"\bBOOLEAN\b", "SMALLINT")],
    # SQL Server 16 (2022): Text, UnicodeText and LargeBinary are the max types from 2012
    "mssql": [
        (r"\bTEXT\b", "VARCHAR(max)"),
        (r"\bNTEXT\b", "NVARCHAR(max)"),
        (r"\bIMAGE\b", "VARBINARY(max)"),
    ],
}


def as_initialized(reference: str, dialect: str) -> str:
    for pattern, replacement in INITIALIZED_TYPES.get(dialect, []):
        reference = re.sub(pattern, replacement, reference)
    return reference


def _replace_once(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} not in the script"
    return text.replace(old, new, 1)


class Outputs:
    """Alembic's and sqlgen's scripts for the corpus, each made once per session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ini = root / "alembic.ini"
        self._alembic: dict[tuple[str, str], str] = {}
        self._sqlgen: dict[str, dict[str, str]] = {}
        self._heads: list[str] | None = None

    def _run_alembic(self, *args: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        proc = subprocess.run(
            [sys.executable, "-m", "alembic", "-c", str(self.ini), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.root,
            check=False,
        )
        assert proc.returncode == 0, f"alembic {' '.join(args)} failed:\n{proc.stderr}"
        return proc.stdout

    def alembic(self, dialect: str, direction: str) -> str:
        key = (dialect, direction)
        if key not in self._alembic:
            self._alembic[key] = as_initialized(
                self._run_alembic("-x", f"dialect={dialect}", direction, SPECS[direction], "--sql"),
                dialect,
            )
        return self._alembic[key]

    def heads(self) -> list[str]:
        if self._heads is None:
            lines = self._run_alembic("heads").splitlines()
            self._heads = [line.split()[0] for line in lines if line.strip()]
        return self._heads

    def sqlgen(self, dialect: str, direction: str) -> str:
        if direction not in self._sqlgen:
            # every dialect in one run, as sqlgen is meant to be used
            result = generate(
                open_project(self.root),
                GenerateRequest(
                    direction=cast(Direction, direction),
                    spec=SPECS[direction],
                    dialects=list(DIALECTS),
                    write=False,
                ),
            )
            self._sqlgen[direction] = {name: r.text for name, r in result.scripts.items()}
        return self._sqlgen[direction][dialect]

    def versions(self) -> list[Path]:
        """The revision files in the order the corpus wrote them (NNNNN_REVISION.py)."""
        return sorted((self.root / "migrations" / "versions").glob("*.py"))

    def initial_versions(self, direction: str) -> list[str]:
        return [] if direction == "upgrade" else self.heads()

    def compare(self, dialect: str, direction: str, sqlgen_text: str | None = None) -> Comparison:
        return compare_scripts(
            self.alembic(dialect, direction),
            self.sqlgen(dialect, direction) if sqlgen_text is None else sqlgen_text,
            dialect,
            initial_versions=self.initial_versions(direction),
        )


@pytest.fixture(scope="module")
def outputs(corpus: Callable[[int], Path]) -> Outputs:
    return Outputs(corpus(REVISIONS))


@pytest.mark.parametrize("direction", ["upgrade", "downgrade"])
@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_statements_equal_alembic_sql(outputs: Outputs, dialect: str, direction: str) -> None:
    result = outputs.compare(dialect, direction)
    assert result.ok, (
        f"sqlgen differs from `alembic {direction} {SPECS[direction]} --sql` "
        f"({result.summary()}):\n\n" + "\n\n".join(result.problems)
    )
    # not vacuous: the whole history, merges included, and many statements
    assert result.steps == REVISIONS, result.summary()
    assert result.merge_steps >= 1, f"no merge or unmerge step was compared: {result.summary()}"
    assert result.statements > MIN_STATEMENTS[direction], result.summary()
    assert result.version_statements[0] >= REVISIONS, result.summary()
    expected = set(outputs.heads()) if direction == "upgrade" else set()
    assert result.final_versions == expected, result.summary()
    print(result.summary())


# the first string column of the first CREATE TABLE, as each dialect renders it
VARCHAR_100 = {
    "postgresql": "VARCHAR(100)",
    "mysql": "VARCHAR(100)",
    "mssql": "VARCHAR(100)",
    "oracle": "VARCHAR2(100 CHAR)",
}


@pytest.mark.parametrize("direction", ["upgrade", "downgrade"])
@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_comparison_catches_a_changed_type_length(
    outputs: Outputs, dialect: str, direction: str
) -> None:
    """One token changed (VARCHAR(100) -> VARCHAR(101)) in sqlgen's script is reported."""
    old = VARCHAR_100[dialect]
    changed = _replace_once(outputs.sqlgen(dialect, direction), old, old.replace("100", "101"))
    result = outputs.compare(dialect, direction, changed)
    assert not result.ok, f"the comparison missed {old} -> {old.replace('100', '101')}"
    assert len(result.problems) == 1, "\n\n".join(result.problems)
    problem = result.problems[0]
    assert "tokens differ" in problem, problem
    assert "NUMBER:100" in problem, problem
    assert "NUMBER:101" in problem, problem


MUTATIONS = {
    # a name inside a DDL statement
    "index-name": (
        "CREATE INDEX ix_tbl_1_created_at",
        "CREATE INDEX ix_tbl_1_created",
        "tokens differ",
    ),
    # a string literal's case matters (only keyword case may change)
    "literal-case": ("'unnamed'", "'Unnamed'", "'Unnamed'"),
    # the version-table INSERT must be plain on sqlgen's side ({first}: the first revision)
    "version-returning": (
        "VALUES ('{first}');",
        "VALUES ('{first}') RETURNING alembic_version.version_num;",
        "must be plain",
    ),
    # a version-table statement with a wrong effect ({second}: the second revision)
    "version-effect": (
        "SET version_num = '{second}'",
        "SET version_num = '{second}x'",
        "version rows differ",
    ),
    # a statement missing
    "dropped-statement": (
        "CREATE INDEX ix_tbl_1_created_at ON tbl_1 (created_at);\n",
        "",
        "alembic has",
    ),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_comparison_catches_other_changes(outputs: Outputs, mutation: str) -> None:
    first, second = (p.stem.split("_", 1)[1] for p in outputs.versions()[:2])
    old, new, expected = (t.format(first=first, second=second) for t in MUTATIONS[mutation])
    original = outputs.sqlgen("postgresql", "upgrade")
    changed = _replace_once(original, old, new)
    result = outputs.compare("postgresql", "upgrade", changed)
    assert not result.ok, f"the comparison missed the change {old!r} -> {new!r}"
    assert expected in result.problems[0], result.problems[0]


def test_comparison_ignores_layout(outputs: Outputs) -> None:
    """Keyword case, whitespace and comment lines alone are layout: still equal."""
    original = outputs.sqlgen("postgresql", "upgrade")
    relaid = (
        original.replace("CREATE INDEX", "create\n   index")
        .replace(" ON ", "  on  ")
        .replace("\n\n", "\n-- a comment\n\n")
    )
    assert relaid != original
    result = outputs.compare("postgresql", "upgrade", relaid)
    assert result.ok, "\n\n".join(result.problems)


@pytest.mark.parametrize(
    ("dialect", "commits"),
    [("postgresql", True), ("mssql", True), ("mysql", False), ("oracle", False)],
)
def test_scripts_end_as_alembic_ends_them(outputs: Outputs, dialect: str, commits: bool) -> None:
    """Alembic frames a script with BEGIN/COMMIT only where DDL is transactional. On
    Oracle and MySQL every DDL statement commits by itself, and `alembic upgrade --sql`
    ends the script with the version-table UPDATE and no COMMIT; sqlgen writes what
    Alembic writes (README: "Transactions"). If Alembic ever adds one, this fails."""
    for text in (outputs.alembic(dialect, "upgrade"), outputs.sqlgen(dialect, "upgrade")):
        lines = [
            line.strip()
            for line in text.splitlines()
            if line.strip() and line.strip() not in ("/", "GO") and not line.startswith("--")
        ]
        has_commit = any(line.rstrip(";").upper() == "COMMIT" for line in lines)
        assert has_commit == commits, lines[-3:]
        if commits:
            assert lines[-1].rstrip(";").upper() == "COMMIT", lines[-3:]
        else:
            assert "alembic_version" in "\n".join(lines[-3:]), lines[-3:]
