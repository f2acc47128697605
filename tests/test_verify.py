"""`sqlgen verify`: upgrade, downgrade, upgrade again on real engines."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from sqlgen.verify import mariadb_server, postgres_server
from sqlgen.verify.servers import EngineNotFound
from sqlgen.verify.split import split_script

from .conftest import require
from .projects import line_of, make_project, revision_source

Cli = Callable[..., Result]
HEAD = "c5a1e7b9d312"


def _outcomes(result: Result) -> dict[str, dict[str, object]]:
    return {o["dialect"]: o for o in json.loads(result.stdout)}


def _need(module: object) -> None:
    try:
        module.locate()  # type: ignore[attr-defined]
    except EngineNotFound as exc:
        require(str(exc))


def _leftovers(prefix: str) -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob(f"{prefix}*")}


def _server_processes() -> set[int]:
    """postgres and mariadbd processes running on a data dir of a throwaway server."""
    found = set()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (cmdline.parent / "status").read_text()
        except OSError:
            continue
        zombie = "\nState:\tZ" in state
        if not zombie and ("sqlgen-pg-" in text or "sqlgen-mariadb-" in text):
            found.add(int(cmdline.parent.name))
    return found


@pytest.mark.parametrize("dialect", ["sqlite", "duckdb", "postgresql", "mariadb"])
def test_the_example_passes_the_round_trip(cli: Cli, example_dir: Path, dialect: str) -> None:
    if dialect == "postgresql":
        _need(postgres_server)
    if dialect == "mariadb":
        _need(mariadb_server)
    result = cli("-p", example_dir, "verify", "base:heads", "-d", dialect, "--json")
    outcome = _outcomes(result)[dialect]
    assert outcome["status"] == "passed", outcome
    assert result.exit_code == 0
    log = outcome["log"]
    assert isinstance(log, list)
    assert [line.split(":")[0] for line in log] == [
        "upgrade",
        "downgrade",
        "dropped the empty alembic_version the downgrade left",
        "upgrade again",
    ]


def test_verify_checks_the_files_upgrade_and_downgrade_write(
    cli: Cli, example_dir: Path, tmp_path: Path
) -> None:
    verified = tmp_path / "verified"
    result = cli("-p", example_dir, "verify", "base:heads", "-d", "sqlite", "-o", verified)
    assert result.exit_code == 0, result.output
    written = tmp_path / "written"
    cli("-p", example_dir, "upgrade", "base:heads", "-d", "sqlite", "-o", written)
    name = f"sqlite/upgrade-base-{HEAD}.sql"
    assert (verified / name).read_bytes() == (written / name).read_bytes()
    assert (verified / f"sqlite/downgrade-{HEAD}-base.sql").is_file()


def test_a_range_that_starts_later_is_set_up_first(cli: Cli, example_dir: Path) -> None:
    result = cli("-p", example_dir, "verify", "2f9a0b7d3e06:heads", "-d", "sqlite", "--json")
    outcome = _outcomes(result)["sqlite"]
    assert outcome["status"] == "passed", outcome
    assert str(outcome["log"][0]).startswith("setup: ")  # type: ignore[index]


FORGETFUL = {
    "0001_t.py": revision_source(
        "tabl0001",
        None,
        upgrade="op.create_table('t', sa.Column('id', sa.Integer, primary_key=True), "
        "sa.Column('a', sa.Integer))",
        downgrade="op.drop_table('t')",
    ),
    "0002_ix.py": revision_source(
        "indx0002",
        "tabl0001",
        upgrade="""
            op.create_index('ix_t_a', 't', ['a'])
            op.add_column('t', sa.Column('b', sa.Integer))
        """,
        downgrade="op.drop_column('t', 'b')",  # forgets the index
    ),
}


def test_a_downgrade_that_forgets_an_index_fails_naming_the_revision(
    cli: Cli, tmp_path: Path
) -> None:
    project = make_project(tmp_path, FORGETFUL)
    result = cli("-p", project, "verify", "tabl0001:heads", "-d", "sqlite")
    assert result.exit_code == 1
    assert "FAILED: sqlite" in result.stdout
    assert (
        "problem: downgrade: table t: index ix_t_a is left over: revision indx0002 "
        "(migrations/versions/0002_ix.py) creates it" in result.stdout
    )


def test_a_failing_statement_is_reported_with_file_and_line(cli: Cli, tmp_path: Path) -> None:
    broken = dict(FORGETFUL)
    broken["0002_ix.py"] = revision_source(
        "indx0002", "tabl0001", upgrade="op.execute('INSERT INTO nowhere VALUES (1)')"
    )
    project = make_project(tmp_path, broken)
    result = cli("-p", project, "verify", "base:heads", "-d", "sqlite", "--json")
    assert result.exit_code == 1
    [problem] = _outcomes(result)["sqlite"]["problems"]  # type: ignore[misc]
    script = "sqlite/upgrade-base-indx0002.sql"
    assert problem.startswith(
        "statement failed: revision indx0002 (migrations/versions/0002_ix.py)"
    )
    assert f", {script}:" in problem and problem.endswith(
        "OperationalError: no such table: nowhere"
    )
    line = int(problem.split(f"{script}:")[1].split(":")[0])
    assert line > 0


@pytest.mark.parametrize("dialect", ["mssql", "oracle", "snowflake"])
def test_engines_without_a_server_are_not_verified(
    cli: Cli, example_dir: Path, dialect: str
) -> None:
    result = cli("-p", example_dir, "verify", "base:heads", "-d", dialect, "--json")
    outcome = _outcomes(result)[dialect]
    assert outcome["status"] == "not verified"
    assert "only on a server you name with --url" in str(outcome["where"])
    assert result.exit_code == 1  # never reported as passed


@pytest.fixture(scope="module")
def postgres() -> Iterator[postgres_server.PostgresServer]:
    _need(postgres_server)
    with postgres_server.throwaway_server() as server:
        yield server


def test_a_url_gets_a_scratch_database_and_its_own_is_untouched(
    cli: Cli, example_dir: Path, postgres: postgres_server.PostgresServer, tmp_path: Path
) -> None:
    own = postgres.create_database()
    postgres.execute(own, "CREATE TABLE precious (id integer)")
    url = postgres.url(own)
    result = cli("-p", example_dir, "verify", "base:heads", "-d", "postgresql", "--url", url)
    assert result.exit_code == 0, result.output
    assert "scratch database sqlgen_verify_" in result.stdout
    databases = {name for (name,) in postgres.query("postgres", "SELECT datname FROM pg_database")}
    assert not any(name.startswith("sqlgen_verify_") for name in databases)  # dropped
    assert postgres.query(own, "SELECT count(*) FROM precious") == [(0,)]
    tables = postgres.query(own, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert tables == [("precious",)]  # nothing was applied to the URL's own database

    # --keep keeps the database; the scripts are in --out, so no scratch folder is left
    scripts = tmp_path / "scripts"
    kept = cli(
        "-p", example_dir, "verify", "base:heads", "-d", "postgresql", "--url", url, "--keep",
        "-o", scripts,
    )  # fmt: skip
    assert kept.exit_code == 0, kept.output
    assert sorted(p.name for p in (scripts / "postgresql").iterdir()) == [
        "downgrade-c5a1e7b9d312-base.sql",
        "upgrade-base-c5a1e7b9d312.sql",
    ]
    databases = {name for (name,) in postgres.query("postgres", "SELECT datname FROM pg_database")}
    assert any(name.startswith("sqlgen_verify_") for name in databases)


@pytest.mark.parametrize("module", [postgres_server, mariadb_server], ids=["postgresql", "mariadb"])
def test_throwaway_servers_are_cleaned_up_after_a_failure(
    cli: Cli, tmp_path: Path, module: object
) -> None:
    _need(module)
    dialect = "postgresql" if module is postgres_server else "mariadb"
    broken = dict(FORGETFUL)
    broken["0002_ix.py"] = revision_source(
        "indx0002", "tabl0001", upgrade="op.execute('INSERT INTO nowhere VALUES (1)')"
    )
    project = make_project(tmp_path, broken)
    prefixes = ("sqlgen-pg-" if module is postgres_server else "sqlgen-mariadb-", "sqlgen-verify-")
    dirs_before = {prefix: _leftovers(prefix) for prefix in prefixes}
    processes_before = _server_processes()
    result = cli("-p", project, "verify", "base:heads", "-d", dialect)
    assert result.exit_code == 1 and "statement failed" in result.stdout
    assert {prefix: _leftovers(prefix) for prefix in prefixes} == dirs_before
    assert _server_processes() == processes_before


@pytest.mark.slow
def test_the_300_revision_corpus_on_postgresql(cli: Cli, corpus: Callable[[int], Path]) -> None:
    _need(postgres_server)
    result = cli("-p", corpus(300), "verify", "base:heads", "-d", "postgresql", "--json")
    outcome = _outcomes(result)["postgresql"]
    assert outcome["status"] == "passed", outcome["problems"]
    assert "upgrade again: 1459 statement(s)" in outcome["log"]  # type: ignore[operator]


@pytest.mark.slow
def test_the_300_revision_corpus_on_mariadb(cli: Cli, corpus: Callable[[int], Path]) -> None:
    """The corpus never indexes a foreign key's column (see tests/corpus/generate.py),
    so its round trip passes on MariaDB too."""
    _need(mariadb_server)
    result = cli("-p", corpus(300), "verify", "base:heads", "-d", "mariadb", "--json")
    outcome = _outcomes(result)["mariadb"]
    assert outcome["status"] == "passed", outcome["problems"]
    assert outcome["log"][0] == "upgrade: 1457 statement(s)"  # type: ignore[index]


# InnoDB adopts an index created on a foreign key's column for the key, and then refuses
# to drop it (error 1553): this downgrade cannot run on MySQL/MariaDB.
ADOPTED_INDEX = {
    "0001_parent.py": revision_source(
        "prnt0001",
        None,
        upgrade="op.create_table('parent', sa.Column('id', sa.Integer(), primary_key=True))",
        downgrade="op.drop_table('parent')",
    ),
    "0002_child.py": revision_source(
        "chld0002",
        "prnt0001",
        upgrade="""
        op.create_table(
            'child',
            sa.Column('id', sa.Integer(), primary_key=True),
            sa.Column('parent_id', sa.Integer(), sa.ForeignKey('parent.id', name='fk_parent')),
        )
        """,
        downgrade="op.drop_table('child')",
    ),
    "0003_index.py": revision_source(
        "indx0003",
        "chld0002",
        upgrade="op.create_index('ix_child_parent', 'child', ['parent_id'])",
        downgrade="op.drop_index('ix_child_parent', table_name='child')",
    ),
}


def test_mariadb_reports_an_index_its_foreign_key_adopted(cli: Cli, tmp_path: Path) -> None:
    """The downgrade fails on MariaDB: verify says where, exactly."""
    _need(mariadb_server)
    root = make_project(tmp_path, ADOPTED_INDEX)
    result = cli("-p", root, "verify", "base:heads", "-d", "mariadb", "--json")
    outcome = _outcomes(result)["mariadb"]
    assert outcome["status"] == "failed"
    assert outcome["log"][0] == "upgrade: 7 statement(s)"  # type: ignore[index]
    [problem] = outcome["problems"]  # type: ignore[misc]
    assert problem.startswith(
        "statement failed: revision indx0003 (migrations/versions/0003_index.py)"
    ), problem
    assert "Cannot drop index 'ix_child_parent': needed in a foreign key constraint" in problem
    script = root / "migrations/versions/0003_index.py"
    assert line_of(script, "op.drop_index('ix_child_parent'") > 0


def test_units_know_their_revision_from_base_merges_and_downgrades() -> None:
    script = """BEGIN;
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);
-- Running upgrade -> a1: first
CREATE TABLE t (a INT);
-- Running upgrade a1, b2 -> m3: merge
SELECT 1;
-- Running downgrade m3 -> a1, b2: merge
SELECT 2;
-- Running downgrade a1 -> : first
DROP TABLE t;
COMMIT;
"""
    units = split_script(script, "postgres", "")
    assert [(u.sql.split()[0], u.revision) for u in units] == [
        ("BEGIN;", None),
        ("CREATE", None),
        ("CREATE", "a1"),
        ("SELECT", "m3"),
        ("SELECT", "m3"),
        ("DROP", "a1"),
        ("COMMIT;", "a1"),
    ]
