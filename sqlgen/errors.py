"""Errors sqlgen reports to its users.

Every error carries the data that explains it (paths, lines, revision ids,
candidates) and builds its one-line message from that data. Only the CLI turns
them into exit codes: `usage_error` errors exit 2, all others exit 1.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


class SqlgenError(Exception):
    """Base class of every error sqlgen reports to a user."""

    usage_error: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def lines(self) -> list[str]:
        """The message as the lines printed on stderr (one per problem)."""
        return [self.message]


class UsageError(SqlgenError):
    """The command line asked for something that cannot be understood."""

    usage_error = True


def line_in(path: Path, exc: BaseException) -> int | None:
    """The deepest line of `path` in an exception's traceback: where user code failed."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename) == path:
            line = frame.lineno
    return line


def _where(path: Path | str | None, line: int | None) -> str:
    if path is None:
        return "<unknown file>"
    return f"{path}:{line}" if line else str(path)


def _listing(items: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    more = len(items) - limit
    return f"{shown}, … ({more} more)" if more > 0 else shown


# --- project and configuration ------------------------------------------------


class ConfigError(SqlgenError):
    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"configuration error in {path}: {reason}")


class NoMigrationsFound(SqlgenError):
    def __init__(self, project: Path, searched: Sequence[str]) -> None:
        self.project = project
        self.searched = list(searched)
        looked = "; ".join(self.searched) if self.searched else "nothing to read"
        super().__init__(
            f"no migrations found for project {project} (looked at: {looked}); "
            "pass --project DIR or -c FILE, or set script_location in [tool.sqlgen]"
        )


class PreloadError(SqlgenError):
    def __init__(self, module: str, reason: str) -> None:
        self.module = module
        self.reason = reason
        super().__init__(f"cannot preload module {module!r}: {reason}")


class EnvPyError(SqlgenError):
    """The project's env.py failed in offline mode, or did not hand over to the migrations."""

    def __init__(self, path: Path | None, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        super().__init__(
            f"{_where(path, line)}: {reason}; to render without env.py pass --no-env-py "
            '(or set env_py = "skip"; then give target_metadata = "module:attr" if it has one)'
        )


# --- loading revision scripts -------------------------------------------------


class ScriptError(SqlgenError):
    """A revision file that cannot be loaded."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        super().__init__(f"{_where(path, line)}: {reason}")


class ScriptSyntaxError(ScriptError):
    def __init__(self, path: Path, line: int | None, detail: str) -> None:
        super().__init__(path, line, f"syntax error in migration script: {detail}")


class ScriptImportError(ScriptError):
    def __init__(self, path: Path, line: int | None, module: str | None, detail: str) -> None:
        self.module = module
        what = f"module {module!r}" if module else "a module"
        super().__init__(path, line, f"migration script imports {what} that fails: {detail}")


class DuplicateRevision(ScriptError):
    def __init__(self, revision: str, path: Path, first: Path) -> None:
        self.revision = revision
        self.first = first
        super().__init__(
            path, None, f"duplicate revision id {revision!r}, also declared in {first}"
        )


class DanglingRevision(ScriptError):
    def __init__(self, revision: str, path: Path, missing: str, attribute: str) -> None:
        self.revision = revision
        self.missing = missing
        super().__init__(
            path,
            None,
            f"revision {revision!r} has {attribute} {missing!r}, "
            "which names no revision of the project",
        )


class ScriptErrors(SqlgenError):
    """Every script problem found in one pass, so a user fixes them all at once."""

    def __init__(self, errors: Sequence[ScriptError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(e.message for e in self.errors))

    def lines(self) -> list[str]:
        return [e.message for e in self.errors]


class RevisionCycle(SqlgenError):
    def __init__(self, revisions: Sequence[str]) -> None:
        self.revisions = list(revisions)
        super().__init__(f"the revision graph has a cycle through: {_listing(self.revisions)}")


class GraphError(SqlgenError):
    """Any other inconsistency of the revision graph reported by Alembic."""


# --- revision identifiers and ranges (usage errors) ---------------------------


class UnknownRevision(UsageError):
    def __init__(self, identifier: str, suggestions: Sequence[str] = ()) -> None:
        self.identifier = identifier
        self.suggestions = list(suggestions)
        hint = f"; did you mean {' or '.join(self.suggestions)}?" if self.suggestions else ""
        short = " (a revision prefix needs at least four characters)" if len(identifier) < 4 else ""
        super().__init__(f"no revision or branch named {identifier!r}{short}{hint}")


class RevisionNotOnBranch(UnknownRevision):
    def __init__(self, revision: str, branch: str) -> None:
        self.revision = revision
        self.branch = branch
        UsageError.__init__(self, f"revision {revision} is not on branch {branch!r}")
        self.identifier = f"{branch}@{revision}"
        self.suggestions = []


class AmbiguousRevision(UsageError):
    def __init__(self, prefix: str, candidates: Sequence[str]) -> None:
        self.prefix = prefix
        self.candidates = sorted(candidates)
        super().__init__(
            f"revision prefix {prefix!r} is ambiguous; it matches: {_listing(self.candidates)}"
        )


class MultipleHeadsError(UsageError):
    def __init__(self, argument: str, heads: Sequence[str]) -> None:
        self.argument = argument
        self.heads = list(heads)
        super().__init__(
            f"{argument!r} is ambiguous: the project has several heads ({', '.join(self.heads)}); "
            "use 'heads' for all of them, or 'LABEL@head' / a revision id for one"
        )


class InvalidRange(UsageError):
    def __init__(self, spec: str, reason: str) -> None:
        self.spec = spec
        self.reason = reason
        super().__init__(f"invalid revision range {spec!r}: {reason}")


class ReversedRange(InvalidRange):
    def __init__(self, spec: str, direction: str, suggestion: str) -> None:
        self.direction = direction
        self.suggestion = suggestion
        super().__init__(
            spec,
            f"it goes the wrong way for {direction}; did you mean `sqlgen {suggestion}`?",
        )


class EmptyRange(InvalidRange):
    def __init__(self, spec: str, direction: str) -> None:
        self.direction = direction
        super().__init__(spec, f"it selects no revisions to {direction}")


class UnknownDialect(UsageError):
    def __init__(self, name: str, known: Sequence[str], suggestions: Sequence[str]) -> None:
        self.name = name
        self.known = list(known)
        self.suggestions = list(suggestions)
        hint = f"; did you mean {' or '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown dialect {name!r}{hint} (known: {', '.join(self.known)})")


class DialectUnavailable(SqlgenError):
    """The profile's SQLAlchemy dialect is not installed here."""

    def __init__(self, name: str, sqlalchemy: str, extra: str | None) -> None:
        self.name = name
        self.sqlalchemy = sqlalchemy
        self.extra = extra
        if extra:
            message = f"dialect {name} needs: pip install 'sqlgen[{extra}]'"
        else:
            message = f"SQLAlchemy has no dialect {sqlalchemy!r} (needed by dialect {name})"
        super().__init__(message)


# Optional packages by the name they are imported as: the extra that installs each
# (tests/test_missing_packages.py checks these extras exist in pyproject.toml).
PACKAGE_EXTRAS = {
    "psycopg": "verify",
    "pymysql": "verify",
    "duckdb": "duckdb",
    "duckdb_engine": "duckdb",
    "snowflake": "snowflake",
    "sqlalchemy_bigquery": "bigquery",
    "google": "bigquery",
    "sqlalchemy_redshift": "redshift",
    "redshift_connector": "redshift",
    "trino": "trino",
}


class MissingPackage(SqlgenError):
    """An optional Python package is not installed; the message says how to install it."""

    def __init__(self, module: str, needed_by: str | None = None) -> None:
        self.module = module
        top = module.split(".")[0]
        extra = PACKAGE_EXTRAS.get(top)
        install = f"pip install 'sqlgen[{extra}]'" if extra else f"pip install {top}"
        who = f"{needed_by} needs" if needed_by else "this needs"
        super().__init__(f"{who} the Python package {top}, which is not installed: {install}")


# --- generating SQL -----------------------------------------------------------


@dataclass(frozen=True)
class RevisionFailure:
    """One revision that could not be rendered for one dialect.

    `reason` reads on from the revision: "failed: ValueError: ..." or
    "reads data (SELECT ...); ...".
    """

    dialect: str
    revision: str
    path: Path | None
    line: int | None
    reason: str
    # set when this revision failed only because the silent replay of the history
    # before the range failed (at this revision), so the schema it needed is unknown:
    # GenerationFailed reports that replay failure once, not once per revision
    replayed: RevisionFailure | None = None

    def describe(self, dialects: Sequence[str] = ()) -> str:
        names = ", ".join(dialects or [self.dialect])
        return f"[{names}] revision {self.revision} ({_where(self.path, self.line)}) {self.reason}"


@dataclass
class _Group:
    """The dialects and revisions of one line of GenerationFailed, in order."""

    dialects: list[str] = field(default_factory=list)
    revisions: list[str] = field(default_factory=list)

    def add(self, dialect: str, revision: str) -> None:
        if dialect not in self.dialects:
            self.dialects.append(dialect)
        if revision not in self.revisions:
            self.revisions.append(revision)


class GenerationFailed(SqlgenError):
    """Some revisions failed; the dialects that succeeded were still written."""

    def __init__(self, failures: Sequence[RevisionFailure], written: Sequence[str] = ()) -> None:
        self.failures = list(failures)
        self.written = list(written)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per failing revision, naming every dialect it failed for.

        Revisions that failed only because the replay before the range failed are
        one line: the replayed revision that failed, and how many it held back.
        """
        # (replayed?, revision, path, line, reason) -> dialects, revisions held back
        grouped: dict[tuple[bool, str, Path | None, int | None, str], _Group] = {}
        for f in self.failures:
            at = f.replayed or f
            key = (f.replayed is not None, at.revision, at.path, at.line, at.reason)
            group = grouped.setdefault(key, _Group())
            group.add(f.dialect, f.revision)
        lines = []
        for (replayed, rev, path, line, reason), group in grouped.items():
            if not replayed:
                failure = RevisionFailure(group.dialects[0], rev, path, line, reason)
                lines.append(failure.describe(group.dialects))
                continue
            lines.append(
                f"[{', '.join(group.dialects)}] revision {rev} ({_where(path, line)}), "
                f"replayed to model the schema before the range, {reason}; so "
                f"{len(group.revisions)} revision(s) of the range could not be rendered: "
                f"{_listing(group.revisions)}"
            )
        failed = sorted({f.dialect for f in self.failures})
        revisions = len({f.revision for f in self.failures})
        lines.append(f"{revisions} revision(s) failed; nothing written for: {', '.join(failed)}")
        return lines


class SchemaUnknown(SqlgenError):
    """The schema at a revision has tables whose shape sqlgen cannot know offline."""

    def __init__(self, dialect: str, at: Sequence[str], reasons: Sequence[str]) -> None:
        self.dialect = dialect
        self.at = list(at)
        self.reasons = list(reasons)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        at = ", ".join(self.at) or "base"
        return [f"schema at {at} for {self.dialect}: {reason}" for reason in self.reasons]


class MetadataImportError(SqlgenError):
    """The target metadata for autogenerate could not be loaded."""

    def __init__(self, spec: str, reason: str) -> None:
        self.spec = spec
        self.reason = reason
        super().__init__(f"cannot load the target metadata {spec}: {reason}")


class RevisionNotWritten(SqlgenError):
    """Alembic declined to write the new revision (e.g. several heads and no --head)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"no revision written: {reason}")


class OverrideError(SqlgenError):
    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"override {path}: {reason}")


class ApprovedFilesChanged(SqlgenError):
    """Regenerating would change files a reviewer approved."""

    def __init__(self, changes: Sequence[tuple[str, str, str]]) -> None:
        self.changes = list(changes)  # (path, approved by, approved on)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        lines = [
            f"{path} was approved by {by} on {on} and would change" for path, by, on in self.changes
        ]
        lines.append("nothing was written; review the change, then rerun with --force")
        return lines


class OutputError(SqlgenError):
    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}")


def shown(value: object, limit: int = 120) -> str:
    """repr(value), cut short when long: a value from untrusted input may be huge."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


class UnsafePath(OutputError):
    """A path sqlgen was to write, replace or delete (or one a manifest or lock lists)
    that could leave the folder it belongs in: named with the value and where the value
    came from. An OutputError, so that a cache write refused this way is skipped as any
    cache write that fails."""

    def __init__(self, value: object, source: str, reason: str) -> None:
        self.value = value
        self.source = source
        self.path = Path(value) if isinstance(value, str) else Path(source)
        self.reason = f"path {shown(value)} {reason}"
        SqlgenError.__init__(self, f"{source}: path {shown(value)} {reason}; nothing was written")


class ManifestError(SqlgenError):
    """A manifest.json that is not one sqlgen can trust (it is never taken as absent)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}; nothing was written")


class UnsafeName(ScriptError):
    """A revision id or branch label that cannot be part of a file name."""

    def __init__(self, path: Path, what: str, value: object, reason: str) -> None:
        self.what = what
        self.value = value
        super().__init__(
            path,
            None,
            f"{what} {shown(value)} {reason}: sqlgen puts revision ids and labels in file "
            "names, so they are letters, digits, '_', '-' and '.' (not first), "
            "at most 64 characters",
        )
