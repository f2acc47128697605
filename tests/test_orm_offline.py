"""ORM queries over `op.get_bind()` are data reads, as Core queries are.

A Session over the bind loads from the result of an offline query as from a
database's: the result is an empty SQLAlchemy result with the compiled query's
columns. By default reading it refuses the revision with the data-read message
naming the query; with `--data-reads=empty` the migration sees the rows of empty
tables (`all()` -> [], `first()`/`get()` -> None, `count()` -> 0), the read is
flagged with the line of the query, and the query is left out of the script.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sqlgen import api
from sqlgen.errors import GenerationFailed
from sqlgen.pipeline.captured import DataRead

from .projects import line_of, make_project, revision_source

MODEL = """
op.create_table(
    "t",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("a", sa.String(10)),
    sa.Column("v", sa.Float),
)
Base = sa.orm.declarative_base()


class T(Base):
    __tablename__ = "t"
    id = sa.Column(sa.Integer, primary_key=True)
    a = sa.Column(sa.String(10))
    v = sa.Column(sa.Float)  # PostgreSQL's result processor of a float needs a type code


session = sa.orm.Session(bind=op.get_bind())
"""

SEEN = "op.execute(f\"UPDATE t SET a = '{seen!r}'\")"  # what the migration saw, in the script

ALL = "SELECT t.id AS t_id, t.a AS t_a, t.v AS t_v FROM t"
# shape: (the migration's line, what it sees in empty mode, the query it reads, PostgreSQL)
SHAPES = {
    "query_all": ("seen = session.query(T).all()", [], ALL),
    "query_filter_first": (
        'seen = session.query(T).filter(T.a == "x").first()',
        None,
        f"{ALL} WHERE t.a = 'x' LIMIT 1",
    ),
    "query_one_or_none": (
        "seen = session.query(T).filter_by(id=2).one_or_none()",
        None,
        f"{ALL} WHERE t.id = 2",
    ),
    "query_columns": (
        "seen = session.query(T.id, T.v).all()",
        [],
        "SELECT t.id AS t_id, t.v AS t_v FROM t",
    ),
    "query_yield_per": ("seen = list(session.query(T).yield_per(10))", [], ALL),
    "query_in_list": (
        "seen = session.query(T).filter(T.id.in_([1, 2])).all()",
        [],
        f"{ALL} WHERE t.id IN (1, 2)",
    ),
    "query_params": (
        'seen = session.query(T).filter(T.id == sa.bindparam("x")).params(x=5).all()',
        [],
        f"{ALL} WHERE t.id = 5",
    ),
    "execute_select_scalars": (
        "seen = session.execute(sa.select(T)).scalars().all()",
        [],
        "SELECT t.id, t.a, t.v FROM t",
    ),
    "session_scalars": (
        "seen = list(session.scalars(sa.select(T).where(T.id > 1)))",
        [],
        "SELECT t.id, t.a, t.v FROM t WHERE t.id > 1",
    ),
    "session_get": (
        "seen = session.get(T, 1)",
        None,
        "SELECT t.id, t.a, t.v FROM t WHERE t.id = 1",
    ),
    "query_count": (
        "seen = session.query(T).count()",
        0,
        f"SELECT count(*) AS count_1 FROM ({ALL}) AS anon_1",
    ),
    "query_scalar_max": (
        "seen = session.query(sa.func.max(T.v)).scalar()",
        None,
        "SELECT max(t.v) AS max_1 FROM t",
    ),
    "query_exists": (
        'seen = session.query(session.query(T).filter(T.a == "x").exists()).scalar()',
        False,
        "SELECT EXISTS (SELECT 1 FROM t WHERE t.a = 'x') AS anon_1",
    ),
    "from_statement": (
        'seen = session.query(T).from_statement(sa.text("SELECT id, a FROM t")).all()',
        [],
        "SELECT id, a FROM t",
    ),
}

# Query.delete() and .update() return the rowcount: the statement is written, its
# rowcount is the read
WRITES = {
    "query_delete": (
        'seen = session.query(T).filter(T.a == "x").delete()',
        0,
        "DELETE FROM t WHERE t.a = 'x'",
    ),
    "query_update": (
        'seen = session.query(T).filter(T.a == "x").update({T.a: "y"})',
        0,
        "UPDATE t SET a='y' WHERE t.a = 'x'",
    ),
}


def _project(root: Path, body: str) -> Path:
    body = textwrap.dedent(body).strip()
    upgrade = f"{MODEL}\n{body}\n{SEEN}\nop.execute(\"UPDATE t SET a = 'after'\")"
    return make_project(root, {"0001_orm.py": revision_source("orm00001", None, upgrade=upgrade)})


def _source(project: Path) -> Path:
    return project / "migrations/versions/0001_orm.py"


def _render(project: Path, dialect: str = "postgresql", data_reads: str = "fail") -> str:
    workspace = api.open_project(project, overrides={"data_reads": data_reads})
    request = api.GenerateRequest("upgrade", "heads", [dialect], write=False)
    return api.generate(workspace, request).scripts[dialect].text


def _statements(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if not block.lstrip().startswith("--")]


def _flagged(line: int, sql: str) -> str:
    return f"-- sqlgen: line {line} reads data ({DataRead(line, sql, 'query').summary()})"


def _refused(project: Path, dialect: str = "postgresql") -> tuple[int | None, str]:
    with pytest.raises(GenerationFailed) as failed:
        _render(project, dialect)
    [failure] = failed.value.failures
    return failure.line, failure.reason


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_an_orm_query_is_a_data_read_refused_by_default(tmp_path: Path, shape: str) -> None:
    code, _, sql = SHAPES[shape]
    project = _project(tmp_path, code)
    line, reason = _refused(project)
    assert line == line_of(_source(project), code)  # the migration's line, not SQLAlchemy's
    assert reason == (
        f"reads data ({DataRead(line, sql, 'query').summary()}); it cannot be rendered "
        "offline; provide reviewed SQL for it as an override or pass --data-reads=empty"
    )


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_an_orm_query_sees_empty_tables_in_empty_mode(tmp_path: Path, shape: str) -> None:
    code, seen, sql = SHAPES[shape]
    project = _project(tmp_path, code)
    text = _render(project, data_reads="empty")
    assert f"UPDATE t SET a = '{seen!r}';" in text
    assert "UPDATE t SET a = 'after';" in text
    assert _flagged(line_of(_source(project), code), sql) in text
    assert "-- Data reads rendered empty (--data-reads=empty): orm00001" in text
    assert not any("SELECT" in s for s in _statements(text))  # the query is left out


@pytest.mark.parametrize("shape", sorted(WRITES))
def test_query_delete_and_update_write_and_read_their_rowcount(tmp_path: Path, shape: str) -> None:
    code, seen, sql = WRITES[shape]
    project = _project(tmp_path, code)
    line, reason = _refused(project)
    assert line == line_of(_source(project), code)
    assert reason.startswith(f"reads data ({sql}); it cannot be rendered offline")
    text = _render(project, data_reads="empty")
    assert f"{sql};" in _statements(text)  # the statement runs: only its rowcount is a read
    assert f"UPDATE t SET a = '{seen!r}';" in text
    assert f"-- sqlgen: line {line} reads data ({sql})" in text


@pytest.mark.parametrize("dialect", ["sqlite", "mysql", "mssql", "oracle"])
def test_orm_queries_see_empty_tables_on_every_dialect(tmp_path: Path, dialect: str) -> None:
    shapes = {**SHAPES, **WRITES}
    shapes.pop("query_exists")  # SELECT EXISTS(...) is not SQL Server's
    body = "\n".join(
        f"{code}\nop.execute(f\"UPDATE t SET a = '{name}={{seen!r}}'\")"
        for name, (code, _, _) in shapes.items()
    )
    project = make_project(
        tmp_path, {"0001_orm.py": revision_source("orm00001", None, upgrade=f"{MODEL}\n{body}")}
    )
    with pytest.raises(GenerationFailed):
        _render(project, dialect)
    text = _render(project, dialect, data_reads="empty")
    for name, (_, seen, _) in shapes.items():
        assert f"UPDATE t SET a = '{name}={seen!r}'" in text, name  # Oracle ends with /
    assert text.count("-- sqlgen: line ") == len(shapes)  # one read each


def test_an_orm_query_whose_result_is_never_read_is_written_as_alembic_writes_it(
    tmp_path: Path,
) -> None:
    project = _project(
        tmp_path,
        """
        result = session.execute(sa.select(T).where(T.a == "x"))
        seen = None
        """,
    )
    text = _render(project)  # strict: nothing was read
    assert "SELECT t.id, t.a, t.v FROM t WHERE t.a = 'x';" in " ".join(text.split())
    assert "reads data" not in text


def test_a_result_is_one_data_read_however_often_it_is_read(tmp_path: Path) -> None:
    code = 'result = op.get_bind().execute(sa.select(sa.table("t", sa.column("id"))))'
    project = _project(
        tmp_path,
        f"""
        {code}
        seen = (list(result.keys()), result.fetchone(), result.fetchall(), result.rowcount)
        """,
    )
    text = _render(project, data_reads="empty")
    assert "UPDATE t SET a = '(['id'], None, [], 0)';" in text  # keys() is not a read
    assert text.count("reads data (") == 1
    assert _flagged(line_of(_source(project), code), "SELECT t.id FROM t") in text


def test_orm_writes_after_reads_are_captured(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        for row in session.query(T).filter(T.a.is_(None)):
            row.a = "fixed"
        session.merge(T(id=7, a="merged"))  # its get() sees no row: an INSERT
        session.add(T(id=8, a="added"))
        session.commit()
        seen = None
        """,
    )
    text = _render(project, data_reads="empty")
    statements = _statements(text)
    assert "INSERT INTO t (id, a, v) VALUES (7, 'merged', NULL);" in statements
    assert "INSERT INTO t (id, a, v) VALUES (8, 'added', NULL);" in statements
    assert text.count("reads data (") == 2


CORE = """
conn = op.get_bind()
q = sa.text("SELECT id FROM t")
seen = (
    conn.execute(q).fetchall(),
    conn.execute(q).first(),
    conn.execute(q).scalar(),
    list(conn.execute(q)),
    conn.execute(q).mappings().all(),
    conn.execute(q).scalars().all(),
    conn.execute(sa.text("SELECT * FROM t")).scalars(1).first(),  # columns sqlglot cannot tell
    conn.exec_driver_sql("SELECT id FROM t").fetchone(),
    conn.execute(sa.select(sa.table("t", sa.column("id")))).all(),
    bool(conn.execute(q)),  # never read: written into the script, as Alembic does
)
"""


def test_core_reads_work_as_before(tmp_path: Path) -> None:
    project = _project(tmp_path, CORE)
    line, reason = _refused(project)
    assert line == line_of(_source(project), "conn.execute(q).fetchall()")
    assert reason.startswith("reads data (SELECT id FROM t); it cannot be rendered offline")
    text = _render(project, data_reads="empty")
    assert "UPDATE t SET a = '([], None, None, [], [], [], None, None, [], False)';" in text
    assert text.count("reads data (") == 9
    assert [s for s in _statements(text) if "SELECT" in s] == ["SELECT id FROM t;"]


def test_core_results_of_statements_keep_their_behaviour(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        import contextlib

        conn = op.get_bind()
        result = conn.execute(sa.text("UPDATE t SET a = 'x'"))
        if result:  # falsy, as the None of Alembic's offline bind
            op.execute("UPDATE t SET a = 'truthy'")
        seen = conn.execute(sa.text("DELETE FROM t WHERE a IS NULL")).rowcount
        with contextlib.suppress(sa.exc.NoResultFound):
            conn.execute(sa.text("SELECT id FROM t")).scalar_one()
        """,
    )
    text = _render(project, data_reads="empty")
    statements = _statements(text)
    assert "UPDATE t SET a = 'x';" in statements and "truthy" not in text
    assert "DELETE FROM t WHERE a IS NULL;" in statements  # only its rowcount is read
    assert "UPDATE t SET a = '0';" in statements
    assert text.count("reads data (") == 2


@pytest.mark.parametrize(
    ("query", "seen"),
    [
        ('conn.execute(sa.text("SELECT COUNT(*) FROM t")).scalar()', "0"),
        (
            'conn.execute(sa.text("SELECT count(*) AS n, max(id) FROM t")).one()._asdict()',
            "{'n': 0, 'max': None}",
        ),
        ('conn.execute(sa.select(sa.func.count()).select_from(sa.table("t"))).scalar()', "0"),
        ('conn.execute(sa.text("SELECT a, COUNT(*) FROM t GROUP BY a")).all()', "[]"),
        ('conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM t)")).scalar()', "False"),
    ],
)
def test_core_aggregates_over_empty_tables_give_their_one_row(
    tmp_path: Path, query: str, seen: str
) -> None:
    project = _project(tmp_path, f"conn = op.get_bind()\nseen = {query}")
    text = _render(project, data_reads="empty")
    assert f"UPDATE t SET a = '{seen}';" in text
    assert text.count("reads data (") == 1
