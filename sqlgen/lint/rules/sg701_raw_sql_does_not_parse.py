"""Raw SQL that does not parse for the dialect it is emitted to.

sqlgen emits the SQL a migration writes itself (`op.execute("...")`, the bind's
`execute(text(...))` and `exec_driver_sql(...)`) verbatim to every target
dialect, as Alembic does; it is usually written for the dialect whose
`if bind.dialect.name == ...:` branch runs it. SG701 reads each such statement
with sqlglot, as the target profile's sqlglot dialect, and reports it when
sqlglot cannot parse it there: SQL written for one dialect and run unguarded on
another most likely fails there.

The criterion, chosen to keep false positives out:

- It fires only when sqlglot *raises* (ParseError or TokenError) reading the
  statement as the target dialect, at `ErrorLevel.IMMEDIATE` (sqlglot's own
  default, set explicitly: at IGNORE or WARN sqlglot returns a partial tree for
  broken SQL and no error at all). Any other exception is a sqlglot bug, not
  evidence about the SQL, and is ignored.
- Statements sqlglot has no grammar for are read as a generic `Command`
  (PRAGMA, CREATE EXTENSION, vendor DDL, ...) without raising, so they never
  fire. Nor does SQL that parses but the dialect would still refuse
  (`ALTER TABLE t DROP CHECK c` parses for SQLite): sqlglot's grammars are far
  more lenient than the databases' own, so this rule catches SQL that is broken
  or plainly foreign to the dialect, not every incompatibility.
- Procedural code is left out: anonymous blocks (leading BEGIN, DECLARE, IF,
  WHILE) and routine or trigger definitions (CREATE [OR REPLACE]
  FUNCTION/PROCEDURE/TRIGGER/PACKAGE/TYPE BODY). sqlglot has no grammar for
  PL/SQL, T-SQL batches or routine bodies in any dialect, and raises on correct
  ones (an Oracle `BEGIN ... EXCEPTION ... END;`), so its verdict says nothing.
  SQLite is the exception: it has no procedural code but triggers, so a block
  or a routine (a PL/pgSQL function, a DO block) emitted to it is reported.

Only statements the migration wrote as text are read: items of kind
"statement" whose operation is an `ExecuteSQLOp` over a string or `text()`, or
that have no operation (the bind). SQL that SQLAlchemy or Alembic compiled for
the target (`op.execute(table.update())`, every other operation, the version
table) is the target's by construction, and `raw` items are Alembic's static
output or a reviewed override, not the migration's SQL.

```python
def upgrade():
    # emitted to every dialect; SG701 on MySQL and SQLite
    op.execute("DO $$ BEGIN RAISE NOTICE 'done'; END $$")

def upgrade():  # instead
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DO $$ BEGIN RAISE NOTICE 'done'; END $$")
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import sqlglot
from alembic.operations import ops
from sqlalchemy.sql.elements import TextClause
from sqlglot.errors import ErrorLevel, ParseError, TokenError

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.pipeline.captured import Item, one_line

RULE = Rule(
    id="SG701",
    severity=Severity.WARNING,
    dialects=None,
    message="raw SQL is emitted as written, so the script most likely fails here on this dialect",
    hint="Run the statement only for the dialect it is written for (`if "
    "op.get_bind().dialect.name == ...:`) and write one for each other dialect, or "
    "fix its syntax; if the SQL is valid and sqlglot is wrong, suppress with a reason.",
    title="Raw SQL does not parse for the dialect",
    operations=(ops.ExecuteSQLOp,),
    docs=__doc__,
)

# --- which SQL is the migration's own -------------------------------------------------


def written_as_text(item: Item) -> bool:
    """Whether the item is SQL text the migration wrote itself, emitted as written."""
    if item.kind != "statement" or item.version:
        return False
    operation = item.operation
    if operation is None:  # the bind: execute(text(...)), exec_driver_sql(...)
        return True
    if isinstance(operation, ops.ExecuteSQLOp):  # op.execute(...)
        return isinstance(operation.sqltext, str | TextClause)
    return False  # an Alembic operation compiled it


# --- procedural code, which sqlglot cannot judge --------------------------------------

_LEADING_COMMENTS = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)
_BLOCK = re.compile(r"(?:BEGIN|DECLARE|IF|WHILE)\b", re.IGNORECASE)
_DEFINITION = re.compile(
    r"""CREATE
        (?:\s+OR\s+(?:REPLACE|ALTER))?
        (?:\s+(?:EDITIONABLE|NONEDITIONABLE|TEMP|TEMPORARY|AGGREGATE|CONSTRAINT))*
        (?:\s+DEFINER\s*=\s*\S+)?
        \s+(?P<kind>FUNCTION|PROCEDURE|PROC|TRIGGER|PACKAGE|TYPE\s+BODY)\b""",
    re.IGNORECASE | re.VERBOSE,
)

# what procedural code a dialect (by sqlglot name) has, when it is not every kind
_PROCEDURAL_KINDS: dict[str, frozenset[str]] = {"sqlite": frozenset({"trigger"})}


def procedural_kind(sql: str) -> str | None:
    """The kind of procedural code `sql` is (block, routine, trigger); None for plain SQL."""
    comments = _LEADING_COMMENTS.match(sql)
    text = sql[comments.end() :] if comments else sql
    if _BLOCK.match(text):
        return "block"
    definition = _DEFINITION.match(text)
    if definition is None:
        return None
    return "trigger" if definition["kind"].upper() == "TRIGGER" else "routine"


def _judged_by_sqlglot(sql: str, dialect: str) -> bool:
    kind = procedural_kind(sql)
    if kind is None:
        return True
    # a kind of procedural code the dialect does not have at all: wrong there anyway
    return dialect in _PROCEDURAL_KINDS and kind not in _PROCEDURAL_KINDS[dialect]


# --- the parse ------------------------------------------------------------------------

_CLASS_NAME = re.compile(r"\s*for <class '[^']*'>")


@lru_cache(maxsize=4096)
def parse_failure(sql: str, dialect: str) -> str | None:
    """Why sqlglot cannot parse `sql` as sqlglot dialect `dialect`; None when it can.

    None as well for procedural code sqlglot cannot judge (see the module's
    docstring), and when sqlglot fails in any other way than a parse error.
    """
    if not _judged_by_sqlglot(sql, dialect):
        return None
    try:
        sqlglot.parse(sql, read=dialect, error_level=ErrorLevel.IMMEDIATE)
    except ParseError as exc:
        if not exc.errors:
            return one_line(str(exc))
        error = exc.errors[0]
        description = _CLASS_NAME.sub("", str(error.get("description") or "syntax error"))
        near = error.get("highlight")
        where = f"line {error.get('line')}, column {error.get('col')}"
        return f"{description} near {near!r}, {where}" if near else f"{description}, {where}"
    except TokenError as exc:
        return one_line(str(exc))
    except Exception:  # a sqlglot bug, not evidence about the SQL
        return None
    return None


def _excerpt(sql: str, limit: int = 60) -> str:
    flat = one_line(sql)
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# --- the check ------------------------------------------------------------------------


def check(view: StepView) -> Iterator[Hit]:
    if view.capture.override is not None:
        return  # reviewed SQL, written for this dialect on purpose
    profile = view.profile
    for item in view.capture.items:
        if not written_as_text(item):
            continue
        failure = parse_failure(item.sql, profile.sqlglot)
        if failure is not None:
            yield Hit(
                item.line,
                f"raw SQL `{_excerpt(item.sql)}` does not parse as {profile.name} "
                f"(sqlglot: {failure})",
            )
