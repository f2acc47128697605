"""Running the rules over captured runs: configuration, the walk, ordering.

    findings = lint(upgrade_runs, downgrade_runs, LintConfig.from_mapping(table))

Every step of every run becomes a `StepView`; each enabled rule that applies to
the run's dialect and the step's direction looks at it. Suppression comments are
applied last, so suppressed findings are still returned (marked as such).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlglot
from alembic.operations import ops
from sqlglot import exp
from sqlglot.errors import SqlglotError

from sqlgen.dialects.profiles import Profile
from sqlgen.lint.model import (
    Finding,
    Hit,
    Position,
    Rule,
    Severity,
    Statement,
    StepView,
    TableFacts,
)
from sqlgen.lint.rules import CHECKS, RULES, RULES_BY_ID
from sqlgen.lint.suppress import apply_suppressions
from sqlgen.pipeline.captured import DialectRun, StepCapture

if TYPE_CHECKING:
    from sqlgen.model.schema import TableModel

# sqlglot logs a warning for every statement it can only parse as a Command
logging.getLogger("sqlglot").setLevel(logging.ERROR)

CONFIG_KEYS = ("disable", "enable", "severity")


@dataclass(frozen=True)
class LintConfig:
    """Which rules run and how severe they are: `[tool.sqlgen.lint]`."""

    disabled: frozenset[str] = frozenset()
    enabled: frozenset[str] = frozenset()  # rules that are off by default, turned on
    severity: dict[str, Severity] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> LintConfig:
        """Read `{"disable": [...], "enable": [...], "severity": {"SG102": "warning"}}`.

        Raises ValueError for unknown keys, rule ids or severities.
        """
        unknown = sorted(set(mapping) - set(CONFIG_KEYS))
        if unknown:
            raise ValueError(
                f"lint: unknown setting {', '.join(map(repr, unknown))} "
                f"(expected: {', '.join(CONFIG_KEYS)})"
            )
        disabled = _rule_ids(mapping.get("disable", []), "disable")
        enabled = _rule_ids(mapping.get("enable", []), "enable")
        both = sorted(disabled & enabled)
        if both:
            raise ValueError(f"lint: {', '.join(both)} is both enabled and disabled")
        severities = mapping.get("severity", {})
        if not isinstance(severities, Mapping):
            raise ValueError("lint.severity: expected a table of rule id = severity")
        severity: dict[str, Severity] = {}
        for rule_id, value in severities.items():
            [known] = _rule_ids([rule_id], "severity")
            try:
                severity[known] = Severity.parse(value)
            except ValueError as exc:
                raise ValueError(f"lint.severity.{rule_id}: {exc}") from None
        return cls(disabled, enabled, severity)

    def is_active(self, rule: Rule) -> bool:
        if rule.id in self.disabled:
            return False
        return rule.enabled_by_default or rule.id in self.enabled

    def severity_of(self, rule: Rule) -> Severity:
        return self.severity.get(rule.id, rule.severity)


def _rule_ids(value: object, setting: str) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"lint.{setting}: expected a list of rule ids, got {value!r}")
    ids = set()
    for item in value:
        rule_id = str(item).strip().upper()
        if rule_id not in RULES_BY_ID:
            close = difflib.get_close_matches(rule_id, RULES_BY_ID, n=1)
            known = f"did you mean {close[0]}?" if close else f"rules are {_id_ranges()}"
            raise ValueError(f"lint.{setting}: unknown rule {item!r} ({known})")
        ids.add(rule_id)
    return frozenset(ids)


def _id_ranges() -> str:
    """Every rule id, compactly: SG101-SG105, SG201-SG208, ..."""
    families: dict[str, list[str]] = {}
    for rule in RULES:
        families.setdefault(rule.id[:3], []).append(rule.id)
    return ", ".join(f"{ids[0]}-{ids[-1]}" if len(ids) > 1 else ids[0] for ids in families.values())


def active_rules(config: LintConfig) -> list[Rule]:
    return [rule for rule in RULES if config.is_active(rule)]


# --- what a step looks like to the rules ----------------------------------------------


def parse_sql(sql: str, dialect: str) -> list[exp.Expr]:
    """The statements in `sql`; [] when sqlglot cannot parse it (no rule then applies)."""
    try:
        return [e for e in sqlglot.parse(sql, read=dialect) if e is not None]
    except SqlglotError:
        return []


def _statements(profile: Profile, capture: StepCapture) -> tuple[Statement, ...]:
    if capture.override is not None:
        return ()  # reviewed SQL, no lines of its own in the migration: see SG503
    # SQL the migration wrote itself: op.execute(), or run on the bind (no operation).
    # A batch block's SQL carries a BatchFlush; its operations are in the calls.
    call_index = {id(call.operation): index for index, call in enumerate(capture.calls)}
    in_transaction = profile.transactional_ddl
    statements: list[Statement] = []
    for item in capture.items:
        if item.version:
            continue
        if item.kind in {"begin", "commit"}:
            # autocommit_block(): "commit" before it, "begin" after it
            in_transaction = item.kind == "begin"
            continue
        written = item.operation is None or isinstance(item.operation, ops.ExecuteSQLOp)
        index = call_index.get(id(item.operation), len(capture.calls))
        for expression in parse_sql(item.sql, profile.sqlglot):
            if isinstance(expression, exp.Commit | exp.Rollback):
                in_transaction = False  # a hand-written COMMIT
            elif isinstance(expression, exp.Transaction):
                in_transaction = True
            statements.append(Statement(item, expression, in_transaction, written, index))
    return tuple(statements)


TableKey = tuple[str | None, str]

# A revision's deployment: revisions of one deployment always run together, so a table
# one of them creates holds no rows yet for the next. Between two deployments a
# database can stop (`alembic upgrade REV` stops at any revision) and fill the table.
Deployment = Callable[[str], Hashable]


def each_revision(revision: str) -> Hashable:
    """The default: a deployment can stop after any revision."""
    return revision


def whole_range(revision: str) -> Hashable:
    """--assume-new-tables: the range is deployed in one go, from its start."""
    return ""


@dataclass(frozen=True)
class CreatedInRange:
    """Whether a table existed, with data it may hold, before a point of the range.

    A table created before that point, earlier in the same deployment, is new (and
    empty); any other is taken to exist. Creations are found in the operations and
    the SQL the migrations wrote, call by call, and in the schema model, step by
    step: the model also sees the tables a project's own operations create.
    """

    created: dict[TableKey, Position]
    default_schema: str | None
    deployments: tuple[Hashable, ...] = ()  # per step; () as if one deployment

    def key(self, table: str, schema: str | None) -> TableKey:
        if schema is not None and schema.lower() == (self.default_schema or "").lower():
            schema = None
        return (schema.lower() if schema else None, table.lower())

    def existed_before(self, table: str | None, schema: str | None, at: Position) -> bool:
        if not table:
            return True  # unknown table (e.g. drop_index without table_name): assume it exists
        created = self.created.get(self.key(table, schema))
        if created is None or created >= at:
            return True
        return bool(self.deployments) and (self.deployments[created[0]] != self.deployments[at[0]])


def _created_by_model(run: DialectRun) -> dict[TableKey, int]:
    """The step that created each table, as the schema model saw the run."""
    found: dict[TableKey, int] = {}
    for step_index, capture in enumerate(run.steps):
        for (schema, name), (before, after) in capture.tables_changed.items():
            if before is None and after is not None:
                key = (schema.lower() if schema else None, name.lower())
                found.setdefault(key, step_index)
    return found


def table_facts(
    run: DialectRun,
    statements: Sequence[Sequence[Statement]],
    deployment: Deployment = each_revision,
) -> TableFacts:
    """The tables each run's steps create, and where."""
    deployments = tuple(deployment(c.step.revision.revision) for c in run.steps)
    facts = CreatedInRange({}, run.profile.default_schema, deployments)
    for step_index, capture in enumerate(run.steps):
        for call_index, call in enumerate(capture.calls):
            operation = call.operation
            at = (step_index, call_index)
            if isinstance(operation, ops.CreateTableOp):
                facts.created.setdefault(facts.key(operation.table_name, operation.schema), at)
            elif isinstance(operation, ops.RenameTableOp):
                old = facts.key(operation.table_name, operation.schema)
                if old in facts.created:  # a new table under another name is still new
                    new = facts.key(operation.new_table_name, operation.schema)
                    facts.created.setdefault(new, at)
        for statement in statements[step_index]:
            expression = statement.expression
            if (
                statement.written_by_migration
                and isinstance(expression, exp.Create)
                and str(expression.args.get("kind")).upper() == "TABLE"
            ):
                target = expression.this
                table = target.this if isinstance(target, exp.Schema) else target
                if isinstance(table, exp.Table):
                    key = facts.key(table.name, table.db or None)
                    facts.created.setdefault(key, (step_index, statement.call_index))
    for key, step_index in _created_by_model(run).items():
        # within its step, the call is not known: new only from the next step on
        if key not in facts.created:
            facts.created[key] = (step_index, len(run.steps[step_index].calls))
    return facts


@dataclass
class TablesByStep:
    """The schema model's tables where each step of a run begins.

    Replayed on demand from where the run began, through each earlier step's
    changes: only a few checks ask, so no step keeps a copy of its own.
    """

    start: Mapping[TableKey, TableModel] | None
    changes: Sequence[Mapping[TableKey, tuple[TableModel | None, TableModel | None]]]
    _last: tuple[int, dict[TableKey, TableModel]] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, run: DialectRun) -> TablesByStep:
        start, end = run.model_start, run.model_end
        if start is None or start.unknown is not None or (end is not None and end.unknown):
            return cls(None, [])  # the model lost track of the schema somewhere
        return cls(start.tables, [capture.tables_changed for capture in run.steps])

    def at(self, step_index: int) -> Mapping[TableKey, TableModel] | None:
        if self.start is None:
            return None
        if self._last is not None and self._last[0] <= step_index:
            done, tables = self._last[0], dict(self._last[1])
        else:
            done, tables = 0, dict(self.start)
        for changed in self.changes[done:step_index]:
            for key, (_, after) in changed.items():
                if after is None:
                    tables.pop(key, None)
                else:
                    tables[key] = after
        self._last = (step_index, tables)
        return tables


def step_views(run: DialectRun, deployment: Deployment = each_revision) -> list[StepView]:
    statements = [_statements(run.profile, capture) for capture in run.steps]
    facts = table_facts(run, statements, deployment)
    history = TablesByStep.of(run)
    return [
        StepView(run.profile, capture, statements[index], facts, index, history)
        for index, capture in enumerate(run.steps)
    ]


# --- the walk -------------------------------------------------------------------------


def _finding(rule: Rule, hit: Hit, view: StepView, config: LintConfig) -> Finding:
    capture = view.capture
    return Finding(
        rule=rule.id,
        severity=config.severity_of(rule),
        message=f"{hit.subject}: {rule.message}",
        hint=rule.hint,
        dialect=view.dialect,
        direction=view.direction,
        revision=capture.step.revision.revision,
        path=capture.path,
        line=hit.line,
    )


def lint_run(
    run: DialectRun,
    rules: Sequence[Rule],
    config: LintConfig,
    deployment: Deployment = each_revision,
) -> list[Finding]:
    findings = []
    for view in step_views(run, deployment):
        for rule in rules:
            if rule.applies_to(view.dialect, view.direction):
                findings += [_finding(rule, hit, view, config) for hit in CHECKS[rule.id](view)]
    return findings


def lint(
    upgrade: Sequence[DialectRun],
    downgrade: Sequence[DialectRun],
    config: LintConfig | None = None,
    deployment: Deployment = each_revision,
) -> list[Finding]:
    """Every finding over a range's upgrade runs and its downgrade runs, in a stable order.

    Sorted by revision (in the order the runs list them), line, rule id, dialect.
    Findings that differ only in dialect are kept apart; reports group them.
    `deployment` says which revisions always run together (see `Deployment`): by
    default none do, and a table an earlier revision created is taken to hold rows.
    """
    config = config or LintConfig()
    rules = active_rules(config)
    findings = [
        f for run in [*upgrade, *downgrade] for f in lint_run(run, rules, config, deployment)
    ]
    order: dict[str, int] = {}
    for run in [*upgrade, *downgrade]:
        for capture in run.steps:
            order.setdefault(capture.step.revision.revision, len(order))
    findings = apply_suppressions(findings)
    return sorted(findings, key=lambda f: _sort_key(f, order))


def _sort_key(finding: Finding, order: Mapping[str, int]) -> tuple[Any, ...]:
    return (
        order.get(finding.revision, len(order)),
        finding.line if finding.line is not None else 0,
        finding.rule,
        finding.dialect,
        finding.direction != "upgrade",
        finding.message,
    )
