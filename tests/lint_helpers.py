"""Small migration projects and lint runs for tests/test_lint.py.

Every project has a base revision that creates `users` and `orders`, and one
revision under test on top of it. Linting from the base revision (`base0001:heads`)
makes those tables "existing"; linting `base:heads` makes them new in the range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlgen import api
from sqlgen.dialects.profiles import find_profile, load_profiles
from sqlgen.lint import Deployment, Finding, LintConfig, each_revision, lint
from sqlgen.pipeline.captured import DialectRun
from sqlgen.runtime.runner import RunSettings, run_dialect

from .projects import line_of, make_project, revision_source

BASE = "base0001"
REV = "test0002"
FROM_BASE = f"{BASE}:heads"  # the base revision's tables exist before the range
WHOLE = "base:heads"  # the base revision's tables are created in the range
# (new, without rows, for the revision under test only with deployment=whole_range:
# by default a deployment can stop between the two revisions, see sqlgen.lint.engine)

BASE_UPGRADE = """
    op.create_table(
        'users',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('name', sa.String(50)),
        sa.Column('email', sa.String(100)),
    )
    op.create_table(
        'orders',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('user_id', sa.Integer),
    )
    op.create_index('ix_users_email', 'users', ['email'])
"""
# A downgrade that is not empty but emits nothing: keeps SG601 out of tests about other rules.
NOT_EMPTY = "op.get_context()  # undone by hand"
BASE_DOWNGRADE = """
    op.drop_table('orders')
    op.drop_table('users')
"""


@dataclass(frozen=True)
class Migration:
    root: Path
    path: Path  # the revision under test

    def line(self, needle: str) -> int:
        return line_of(self.path, needle)


def migration(
    root: Path, upgrade: str = "pass", downgrade: str = NOT_EMPTY, header: str = ""
) -> Migration:
    make_project(
        root,
        {
            "0001_base.py": revision_source(BASE, None, BASE_UPGRADE, BASE_DOWNGRADE),
            "0002_test.py": revision_source(REV, BASE, upgrade, downgrade, header=header),
        },
    )
    return Migration(root, root / "migrations" / "versions" / "0002_test.py")


def capture(
    root: Path,
    direction: str,
    spec: str,
    dialects: Sequence[str],
    settings: RunSettings | None = None,
) -> list[DialectRun]:
    workspace = api.open_project(root)
    plan = workspace.graph.plan(direction, spec)  # type: ignore[arg-type]
    known = load_profiles()
    seed = workspace.graph.history_before(plan)
    return [
        run_dialect(
            plan.steps,
            plan.starts_at_base,
            find_profile(name, known),
            settings or RunSettings(),
            seed,
        )
        for name in dialects
    ]


def lint_upgrade(
    m: Migration,
    dialects: Sequence[str] = ("postgresql",),
    spec: str = FROM_BASE,
    config: LintConfig | None = None,
    settings: RunSettings | None = None,
    deployment: Deployment = each_revision,
) -> list[Finding]:
    runs = capture(m.root, "upgrade", spec, dialects, settings)
    return lint(runs, [], config or LintConfig(), deployment)


def lint_downgrade(
    m: Migration,
    dialects: Sequence[str] = ("postgresql",),
    spec: str = f"heads:{BASE}",
    config: LintConfig | None = None,
    settings: RunSettings | None = None,
) -> list[Finding]:
    runs = capture(m.root, "downgrade", spec, dialects, settings)
    return lint([], runs, config or LintConfig())


def fired(
    findings: Sequence[Finding], rule: str | None = None
) -> list[tuple[str, str, int | None]]:
    """(rule, dialect, line) of each finding, of one rule when given."""
    return [(f.rule, f.dialect, f.line) for f in findings if rule is None or f.rule == rule]


def rules_of(findings: Sequence[Finding]) -> set[str]:
    return {f.rule for f in findings}
