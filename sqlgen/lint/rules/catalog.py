"""The rule table: id, severity, dialects, directions, message and hint of each rule."""

from __future__ import annotations

from sqlgen.lint.model import (
    DOWNGRADE_ONLY,
    UPGRADE_ONLY,
    Rule,
    Severity,
)

POSTGRESQL = frozenset({"postgresql"})
MYSQL_FAMILY = frozenset({"mysql", "mariadb"})
MSSQL = frozenset({"mssql"})
SQLITE = frozenset({"sqlite"})
ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

RULES: tuple[Rule, ...] = (
    # --- destructive ---
    Rule(
        "SG101",
        ERROR,
        None,
        "the table and every row in it are deleted",
        "Stop using the table first and drop it in a later release, with a backup; "
        "then suppress with a reason.",
        "Table dropped",
        directions=UPGRADE_ONLY,  # a downgrade's drops are SG105
    ),
    Rule(
        "SG102",
        ERROR,
        None,
        "the column's data is deleted, and code still reading it fails",
        "Remove every use of the column in an earlier release, then drop it; "
        "then suppress with a reason.",
        "Column dropped",
        directions=UPGRADE_ONLY,
    ),
    Rule(
        "SG103",
        ERROR,
        None,
        "every object in it, and all their data, are deleted",
        "Drop schemas and databases by hand, outside migrations, after a backup.",
        "Schema or database dropped",
    ),
    Rule(
        "SG104",
        ERROR,
        None,
        "every row of the table is deleted",
        "Delete only the rows that must go (DELETE ... WHERE), or copy them away first.",
        "Table truncated",
    ),
    Rule(
        "SG105",
        WARNING,
        None,
        "whatever was written into it since the upgrade is lost when the downgrade runs",
        "Back the data up before downgrading, or keep it (rename instead of drop).",
        "Downgrade drops data",
        directions=DOWNGRADE_ONLY,
    ),
    # --- locking on PostgreSQL ---
    Rule(
        "SG201",
        WARNING,
        POSTGRESQL,
        "CREATE INDEX blocks every write to the table until the index is built",
        "Pass postgresql_concurrently=True, inside `with op.get_context().autocommit_block():`.",
        "Index created without CONCURRENTLY",
    ),
    Rule(
        "SG202",
        WARNING,
        POSTGRESQL,
        "DROP INDEX takes an ACCESS EXCLUSIVE lock: every read and write of the table waits",
        "Pass postgresql_concurrently=True, inside `with op.get_context().autocommit_block():`.",
        "Index dropped without CONCURRENTLY",
    ),
    Rule(
        "SG203",
        ERROR,
        POSTGRESQL,
        "PostgreSQL refuses CONCURRENTLY inside a transaction block: the script fails here",
        "Run the operation inside `with op.get_context().autocommit_block():`.",
        "CONCURRENTLY inside a transaction",
    ),
    Rule(
        "SG204",
        WARNING,
        POSTGRESQL,
        "every existing row is checked while writes to the table are blocked",
        "Add it with postgresql_not_valid=True, then VALIDATE CONSTRAINT in a later "
        "migration (that only takes a SHARE UPDATE EXCLUSIVE lock).",
        "Constraint validated under lock",
    ),
    Rule(
        "SG205",
        WARNING,
        POSTGRESQL,
        "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
        "Add CHECK (column IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL "
        "(PostgreSQL 12+ then skips the scan) and drop the check.",
        "SET NOT NULL on an existing column",
    ),
    Rule(
        "SG206",
        WARNING,
        POSTGRESQL,
        "the table and its indexes are rewritten under an ACCESS EXCLUSIVE lock",
        "Add a new column, backfill it in batches and switch over; widening a VARCHAR "
        "or changing it to TEXT does not rewrite.",
        "Type change rewrites the table",
    ),
    Rule(
        "SG207",
        WARNING,
        POSTGRESQL,
        "every existing row gets its own value: the table is rewritten under an "
        "ACCESS EXCLUSIVE lock",
        "Add the column without a default (or with a constant one), backfill it in "
        "batches, then set the default.",
        "Added column with a volatile default",
    ),
    Rule(
        "SG208",
        WARNING,
        POSTGRESQL,
        "the unique index is built from every row, and the migration fails if "
        "existing rows have duplicates",
        "Remove duplicates first; CREATE UNIQUE INDEX CONCURRENTLY, then "
        "ADD CONSTRAINT ... UNIQUE USING INDEX.",
        "Unique constraint on an existing table",
    ),
    # --- locking on MySQL / MariaDB ---
    Rule(
        "SG301",
        WARNING,
        MYSQL_FAMILY,
        "MySQL changes a column's type by copying the whole table; writes wait until it is done",
        "Use an online schema change tool (gh-ost, pt-online-schema-change) or a "
        "maintenance window.",
        "Type change copies the table",
    ),
    # --- backward-incompatible ---
    Rule(
        "SG401",
        WARNING,
        None,
        "code still using the old name fails as soon as this runs",
        "Move the application to the new name first (e.g. through a view with the old "
        "name), and remove the old name in a later release.",
        "Table renamed",
    ),
    Rule(
        "SG402",
        WARNING,
        None,
        "code still using the old name fails as soon as this runs",
        "Add the new column, write both, backfill, move reads over, and drop the old "
        "column in a later release.",
        "Column renamed",
    ),
    Rule(
        "SG403",
        ERROR,
        None,
        "adding it fails on a table that has rows, and inserts from code that does not "
        "know the column fail",
        "Add it nullable or with a server_default, backfill, then make it NOT NULL.",
        "NOT NULL column without a default",
    ),
    # --- data-dependent ---
    Rule(
        "SG501",
        WARNING,
        None,
        "it changes every row of the table",
        "Add a WHERE clause, or suppress with a reason if every row is meant.",
        "UPDATE or DELETE without WHERE",
    ),
    Rule(
        "SG502",
        WARNING,
        None,
        "offline, the SQL was rendered as if it returned no rows; against a real "
        "database the migration may do something else",
        "Provide reviewed SQL for this revision as an override, or make the migration "
        "independent of what it reads.",
        "Migration reads data",
    ),
    Rule(
        "SG503",
        INFO,
        None,
        "what runs is not what the migration alone would produce, so review it by hand",
        "Review this revision's SQL by hand before running it.",
        "SQL not rendered from the migration alone",
        # SG502 already reports every read; this one is for teams that want every such
        # revision listed, reviewed overrides included
        enabled_by_default=False,
    ),
    # --- downgrade gaps ---
    Rule(
        "SG601",
        WARNING,
        None,
        "downgrading past this revision leaves its schema changes in place",
        "Write a downgrade() that undoes the upgrade, or raise to say it is irreversible.",
        "Missing or empty downgrade",
        directions=UPGRADE_ONLY,  # judged from the upgrade: did it change anything?
    ),
    Rule(
        "SG602",
        WARNING,
        None,
        "this revision cannot be rolled back",
        "Make the downgrade work, or document that the revision is irreversible.",
        "Downgrade raises",
        directions=DOWNGRADE_ONLY,
    ),
    # --- dialect compatibility ---
    # SQL a migration writes itself (op.execute("..."), bind.execute(text("...")),
    # exec_driver_sql) is emitted verbatim to every target, as Alembic does. SG701
    # reports such a statement when sqlglot, reading it as the target profile's
    # sqlglot dialect at ErrorLevel.IMMEDIATE, raises ParseError or TokenError.
    # It never fires for what sqlglot reads as a generic Command (PRAGMA, CREATE
    # EXTENSION, vendor DDL), nor for procedural code (BEGIN/DECLARE/IF/WHILE
    # blocks, CREATE FUNCTION/PROCEDURE/TRIGGER/PACKAGE), which sqlglot cannot
    # parse in any dialect; SQLite, which has no procedural code but triggers, is
    # the exception. SQL that parses but that the database still refuses
    # (`ALTER TABLE t DROP CHECK c` on SQLite) is beyond sqlglot's grammars, so
    # not reported. The criterion in full: sqlgen.lint.rules.dialect.
    Rule(
        "SG701",
        WARNING,
        None,
        "raw SQL is emitted as written, so the script most likely fails here on this dialect",
        "Run the statement only for the dialect it is written for (`if "
        "op.get_bind().dialect.name == ...:`) and write one for each other dialect, or "
        "fix its syntax; if the SQL is valid and sqlglot is wrong, suppress with a reason.",
        "Raw SQL does not parse for the dialect",
    ),
    # SQL Server keeps a column's default as a DEFAULT constraint of its own and
    # refuses ALTER TABLE ... DROP COLUMN while it exists (Msg 5074). Alembic's
    # SQL Server drop_column drops the constraint first only when given
    # mssql_drop_default=True (a DECLARE/EXEC over sys.default_constraints; there
    # are mssql_drop_check and mssql_drop_foreign_key for the others). Whether the
    # column has a default is what sqlgen's schema model says where drop_column
    # runs. An error: on SQL Server the script stops here, whatever the data.
    # Dropping the constraint by hand (op.execute) is not seen: suppress then.
    Rule(
        "SG702",
        ERROR,
        MSSQL,
        "SQL Server refuses to drop a column while its DEFAULT constraint exists: "
        "the script fails here",
        "Pass mssql_drop_default=True to drop_column (batch_op.drop_column too): Alembic "
        "then drops the DEFAULT constraint first. If the migration drops the constraint "
        "itself before, suppress with a reason.",
        "Column with a default dropped (SQL Server)",
    ),
    # A SQLite batch block that cannot ALTER recreates its table: CREATE TABLE
    # _alembic_tmp_t, INSERT ... SELECT, DROP TABLE t, RENAME. With PRAGMA
    # foreign_keys=ON, DROP TABLE t first deletes every row of t, and each foreign
    # key referencing t with ON DELETE CASCADE, SET NULL or SET DEFAULT deletes or
    # changes the referencing rows (t's own copied rows too, for a self-reference).
    # The script succeeds; the rows are gone, and verify on empty tables cannot
    # see it. Alembic's batch documentation ("Dealing with Referencing Foreign
    # Keys") says the pragma, if in use, must be disabled while the batch runs.
    # A warning: it happens only where foreign keys are on (off by default in
    # SQLite, on in many applications); where they are on and a reference has no
    # ON DELETE action, DROP TABLE fails instead (not reported here). Not reported
    # when the revision ran PRAGMA foreign_keys=OFF before the rebuild, outside a
    # transaction (SQLite ignores it inside one), or when the referencing table
    # is new in the range.
    Rule(
        "SG703",
        WARNING,
        SQLITE,
        "with PRAGMA foreign_keys=ON, DROP TABLE first deletes every row, and the "
        "ON DELETE actions delete or change the referencing rows",
        "Turn foreign keys off around the rebuild, as the Alembic batch documentation "
        'advises: op.execute("PRAGMA foreign_keys=OFF") before the batch block and '
        '"PRAGMA foreign_keys=ON" after it (outside a transaction: SQLite ignores it inside '
        "one); or change the table without a rebuild.",
        "Table rebuild fires ON DELETE actions (SQLite)",
    ),
)

RULES_BY_ID = {rule.id: rule for rule in RULES}
