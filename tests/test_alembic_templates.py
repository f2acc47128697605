"""Every stock Alembic template works under sqlgen as under `alembic upgrade --sql`.

For each template of the installed Alembic (`alembic list_templates`), a project is
made with `alembic init -t TEMPLATE`, given urls and two revisions written by
`alembic revision` (so they have exactly the template's shape) with op calls filled
in; then `alembic upgrade head --sql` (and `downgrade head:base --sql`) and sqlgen
render it, and the scripts are compared statement by statement, token by token.

`multidb` migrates two databases, each in its own run of env.py's configure() and
run_migrations(engine_name=...); Alembic writes one script per engine, for that
engine's own dialect (engine1.sql, engine2.sql in the current folder), and sqlgen
writes one file per engine, named after it.
"""

from __future__ import annotations

import io
import json
import logging.config
import re
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from click.testing import Result

from sqlgen import api
from sqlgen.errors import UsageError

from .sqltokens import compare_scripts

TEMPLATE_FOLDER = Config().get_template_directory()
TEMPLATES = sorted(p.name for p in Path(TEMPLATE_FOLDER).iterdir() if (p / "env.py").is_file())
SINGLE = [t for t in TEMPLATES if t != "multidb"]
URLS = {"postgresql": "postgresql://nobody@nowhere/app", "mysql": "mysql://nobody@nowhere/app"}

# the ops of each revision: (upgrade, downgrade), for one database
ACCOUNTS = [
    (
        """
        op.create_table(
            "account",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=50), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_account_name"), "account", ["name"], unique=True)
        """,
        """
        op.drop_index(op.f("ix_account_name"), table_name="account")
        op.drop_table("account")
        """,
    ),
    (
        """
        op.add_column("account", sa.Column("email", sa.String(length=120), nullable=True))
        op.create_table(
            "payment",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
            sa.Column("amount", sa.Numeric(10, 2), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.execute("UPDATE account SET email = 'unknown' WHERE email IS NULL")
        """,
        """
        op.drop_table("payment")
        op.drop_column("account", "email")
        """,
    ),
]
EVENTS = [
    (
        """
        op.create_table(
            "event",
            sa.Column("id", sa.BigInteger(), nullable=False),
            sa.Column("kind", sa.String(length=20), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        """,
        'op.drop_table("event")',
    ),
    (
        """
        op.add_column("event", sa.Column("payload", sa.Text(), nullable=True))
        op.alter_column("event", "kind", existing_type=sa.String(length=20), nullable=False)
        """,
        """
        op.alter_column("event", "kind", existing_type=sa.String(length=20), nullable=True)
        op.drop_column("event", "payload")
        """,
    ),
]
REVISIONS = ("aaaa00000001", "bbbb00000002")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The project folder, the current folder as under `alembic init` (and multidb's
    env.py writes Alembic's output to engine1.sql... in the current folder)."""
    folder = tmp_path / "project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    # every template's env.py calls logging.config.fileConfig(alembic.ini): under Alembic
    # and sqlgen alike; here it would reconfigure the test process's own logging
    monkeypatch.setattr(logging.config, "fileConfig", lambda *a, **kw: None)
    yield folder


def test_the_stock_templates_are_all_tested() -> None:
    assert {"generic", "pyproject", "async", "multidb"} <= set(TEMPLATES)


def _config(root: Path, template: str, output_buffer: io.StringIO | None = None) -> Config:
    toml = root / "pyproject.toml" if "pyproject" in template else None
    return Config(
        str(root / "alembic.ini"),
        toml_file=str(toml) if toml else None,
        output_buffer=output_buffer,
    )


def _body(ops: str) -> str:
    return textwrap.indent(textwrap.dedent(ops).strip(), "    ")


def _project(root: Path, template: str, urls: dict[str, str]) -> Path:
    """`alembic init -t template`, the urls set, two revisions from `alembic revision`.

    `urls`: {"sqlalchemy.url": url} for one database, {"engine1": url, ...} for multidb.
    """
    urls = dict(urls)
    engines = [name for name in urls if name != "sqlalchemy.url"]
    command.init(_config(root, template), "migrations", template=template)
    ini = root / "alembic.ini"
    lines = ini.read_text(encoding="utf-8").splitlines(keepends=True)
    section = None
    for index, line in enumerate(lines):
        header = re.fullmatch(r"\[(\w+)\]\s*", line)
        section = header.group(1) if header else section
        # under [alembic] for one database, under [engine1]... for multidb
        key = "sqlalchemy.url" if section == "alembic" else section
        if line.startswith("sqlalchemy.url = ") and key in urls:
            lines[index] = f"sqlalchemy.url = {urls.pop(key)}\n"
    assert not urls, f"no sqlalchemy.url for {urls} in {ini}"
    ini.write_text("".join(lines), encoding="utf-8")
    for number, revision in enumerate(REVISIONS):
        script = command.revision(_config(root, template), f"step {number + 1}", rev_id=revision)
        assert script is not None and not isinstance(script, list)
        path = Path(script.path)
        source = path.read_text(encoding="utf-8")
        for engine in engines or [""]:
            ops = (EVENTS if engine == "engine2" else ACCOUNTS)[number]
            for direction, body in zip(("Upgrade", "Downgrade"), ops, strict=True):
                docstring = f'"""{direction} {engine + " " if engine else ""}schema."""'
                stub = f"{docstring}\n    pass"
                assert source.count(stub) == 1, (stub, source)
                source = source.replace(stub, f"{docstring}\n{_body(body)}")
        path.write_text(source, encoding="utf-8")
    return root


def _alembic(root: Path, template: str, direction: str) -> str:
    """What `alembic upgrade head --sql` (or `downgrade head:base --sql`) prints."""
    buffer = io.StringIO()
    config = _config(root, template, output_buffer=buffer)
    if direction == "upgrade":
        command.upgrade(config, "head", sql=True)
    else:
        command.downgrade(config, "head:base", sql=True)
    return buffer.getvalue()


def _sqlgen(
    root: Path, direction: api.Direction, dialects: list[str], out: Path
) -> api.GenerateResult:
    workspace = api.open_project(root, run_env=True)
    spec = "base:heads" if direction == "upgrade" else "heads:base"
    return api.generate(workspace, api.GenerateRequest(direction, spec, dialects, out=out))


def _same(theirs: str, ours: str, dialect: str, direction: str) -> None:
    start = [] if direction == "upgrade" else [REVISIONS[-1]]
    comparison = compare_scripts(theirs, ours, dialect, initial_versions=start)
    assert comparison.problems == [], "\n".join(comparison.problems)
    assert comparison.steps == 2 and comparison.statements >= 2, comparison.summary()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
@pytest.mark.parametrize("template", SINGLE)
def test_a_single_database_template_renders_as_alembic(
    root: Path, tmp_path: Path, template: str, dialect: str
) -> None:
    root = _project(root, template, {"sqlalchemy.url": URLS[dialect]})
    out = tmp_path / "out"
    directions: tuple[api.Direction, ...] = ("upgrade", "downgrade")
    for direction in directions:
        theirs = _alembic(root, template, direction)
        result = _sqlgen(root, direction, [dialect], out)
        _same(theirs, result.scripts[dialect].text, dialect, direction)
    # one database: file names and manifest entries as they have always been
    manifest = json.loads((out / "manifest.json").read_text())
    assert [e["path"] for e in manifest["files"]] == [
        f"{dialect}/downgrade-{REVISIONS[-1]}-base.sql",
        f"{dialect}/upgrade-base-{REVISIONS[-1]}.sql",
    ]
    assert all("engine" not in e for e in manifest["files"])


MULTIDB = {"engine1": URLS["postgresql"], "engine2": URLS["mysql"]}


def test_multidb_renders_one_script_per_engine_for_its_own_dialect(
    root: Path, tmp_path: Path
) -> None:
    root = _project(root, "multidb", MULTIDB)
    out = tmp_path / "out"
    head = REVISIONS[-1]
    runs: list[tuple[api.Direction, str]] = [
        ("upgrade", f"upgrade-base-{head}"),
        ("downgrade", f"downgrade-{head}-base"),
    ]
    for direction, name in runs:
        _alembic(root, "multidb", direction)  # env.py writes ./engine1.sql, ./engine2.sql
        theirs = {e: Path(f"{e}.sql").read_text(encoding="utf-8") for e in MULTIDB}
        result = _sqlgen(root, direction, ["postgresql", "mysql"], out)
        assert sorted(result.scripts) == ["mysql.engine2", "postgresql.engine1"]
        assert sorted(f.path for f in result.files) == [
            f"mysql/{name}.engine2.sql",
            f"postgresql/{name}.engine1.sql",
        ]
        postgresql = result.scripts["postgresql.engine1"].text
        mysql = result.scripts["mysql.engine2"].text
        _same(theirs["engine1"], postgresql, "postgresql", direction)
        _same(theirs["engine2"], mysql, "mysql", direction)
        # each engine runs its own functions, and keeps its own version table
        assert "account" in postgresql and "event" not in postgresql
        assert "event" in mysql and "account" not in mysql
        for text in (postgresql, mysql):
            assert ("CREATE TABLE alembic_version" in text) == (direction == "upgrade")
    manifest = json.loads((out / "manifest.json").read_text())
    assert {(e["path"], e["engine"]) for e in manifest["files"]} == {
        (f"postgresql/upgrade-base-{head}.engine1.sql", "engine1"),
        (f"mysql/upgrade-base-{head}.engine2.sql", "engine2"),
        (f"postgresql/downgrade-{head}-base.engine1.sql", "engine1"),
        (f"mysql/downgrade-{head}-base.engine2.sql", "engine2"),
    }
    section = manifest["upgrade"]
    assert sorted(section["dialects"]["postgresql"]["engines"]) == ["engine1"]
    assert section["dialects"]["mysql"]["engines"]["engine2"]["version_table"] == "alembic_version"
    engines = section["options"]["environment"]["engines"]
    assert [(e["name"], e["dialect"]) for e in engines] == [
        ("engine1", "postgresql"),
        ("engine2", "mysql"),
    ]
    assert engines[1]["run_migrations"] == {"engine_name": "engine2"}
    # the recorded runs replay to the same files
    check = api.check(api.open_project(root, run_env=True), out)
    assert check.drifts == [] and check.checked == 4


def test_multidb_renders_only_the_engines_of_the_requested_dialect(
    root: Path, tmp_path: Path
) -> None:
    root = _project(root, "multidb", MULTIDB)
    result = _sqlgen(root, "upgrade", ["mysql"], tmp_path / "out")
    assert list(result.scripts) == ["mysql.engine2"]
    with pytest.raises(UsageError, match=r"none is mssql \(engine1: postgresql, engine2: mysql\)"):
        _sqlgen(root, "upgrade", ["mssql"], tmp_path / "out")
    installed, _ = api.all_dialects(api.open_project(root, run_env=True))
    assert sorted(installed) == ["mysql", "postgresql"]  # --all-dialects: the engines' own


def test_multidb_engines_of_one_dialect_each_get_their_file_and_version_table(
    root: Path,
    tmp_path: Path,
) -> None:
    urls = {"engine1": URLS["postgresql"], "engine2": "postgresql://nobody@nowhere/events"}
    root = _project(root, "multidb", urls)
    env_py = root / "migrations" / "env.py"
    source = env_py.read_text(encoding="utf-8")
    configured = "target_metadata=target_metadata.get(name),"
    assert source.count(configured) == 2  # offline and online
    env_py.write_text(
        source.replace(
            configured, f'{configured}\n                version_table=f"{{name}}_version",', 1
        ),
        encoding="utf-8",
    )
    _alembic(root, "multidb", "upgrade")
    alembic = {e: Path(f"{e}.sql").read_text(encoding="utf-8") for e in urls}
    result = _sqlgen(root, "upgrade", ["postgresql"], tmp_path / "out")
    assert sorted(result.scripts) == ["postgresql.engine1", "postgresql.engine2"]
    for engine, theirs in alembic.items():
        ours = result.scripts[f"postgresql.{engine}"].text
        _same(
            theirs.replace(f"{engine}_version", "alembic_version"),
            ours.replace(f"{engine}_version", "alembic_version"),
            "postgresql",
            "upgrade",
        )
        table = f"{engine}_version"
        assert f"CREATE TABLE {table}" in ours and f"CREATE TABLE {table}" in theirs
        insert = f"INSERT INTO {table} (version_num) VALUES ('{REVISIONS[0]}')"
        assert insert in ours and insert in theirs
        assert "alembic_version" not in ours


def test_what_shows_one_script_refuses_several_engines_of_one_dialect(
    root: Path, cli: Callable[..., Result]
) -> None:
    urls = {"engine1": URLS["postgresql"], "engine2": "postgresql://nobody@nowhere/events"}
    _project(root, "multidb", urls)
    for args, message in (
        (["upgrade", "heads", "-d", "pg", "--stdout"], "--stdout prints one script"),
        (["schema", "heads", "-d", "pg"], "postgresql is the dialect of 2 databases"),
        (["verify", "heads", "-d", "pg"], "env.py migrates 2 (engine1, engine2)"),
    ):
        result = cli("--project", root, *args)
        assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_a_multidb_engine_whose_url_names_no_dialect_renders_for_each_requested(
    root: Path,
    tmp_path: Path,
) -> None:
    # the template's placeholder urls (driver://...) name no dialect sqlgen knows
    command.init(_config(root, "multidb"), "migrations", template="multidb")
    command.revision(_config(root, "multidb"), "empty", rev_id=REVISIONS[0])
    result = _sqlgen(root, "upgrade", ["sqlite"], tmp_path / "out")
    assert sorted(result.scripts) == ["sqlite.engine1", "sqlite.engine2"]
