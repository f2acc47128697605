"""sqlgen's commands as functions: one call each into the package that does the work.

    cli -> api -> pipeline -> project -> runtime -> render -> files

Nothing here prints or exits; the CLI does that, from what these return or raise.
Each function imports what it calls when it is called: a run the memo answers
(`remembered`) must not pay for loading SQLAlchemy, Alembic and sqlglot, and
neither must `sqlgen --help`.
"""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlgen import __version__

if TYPE_CHECKING:
    # what __getattr__ below hands out, for type checkers
    from sqlgen.cache.memo import lookup as remembered
    from sqlgen.errors import GenerationFailed
    from sqlgen.files.approvals import Approval
    from sqlgen.files.drift import CheckResult, check, recorded_x, regenerate
    from sqlgen.lint.command import LintResult, lint
    from sqlgen.model.at_revision import SchemaScript, schema, schemas
    from sqlgen.pipeline.generation import GenerateRequest, Progress, generator_versions
    from sqlgen.pipeline.results import GenerateResult
    from sqlgen.pipeline.run import generate
    from sqlgen.project.authoring import RevisionRequest, WrittenRevision
    from sqlgen.project.authoring import write_revision as revision
    from sqlgen.project.changes import Changed, changed_since
    from sqlgen.project.graph import Direction
    from sqlgen.project.listing import (
        RevisionCommand,
        RevisionInfo,
        branches,
        heads,
        history,
        revisions_text,
        show,
    )
    from sqlgen.project.workspace import (
        DialectInfo,
        Workspace,
        all_dialects,
        dialect_table,
        open_project,
    )
    from sqlgen.review.bundle import BundleResult, bundle
    from sqlgen.verify.command import VerifyOutcome, verify

# Every command, and the names its callers use, from the module that does the work:
# (module, name there). A command is one call; `approve` below composes two.
_EXPORTS = {
    # looking at the graph
    "heads": ("sqlgen.project.listing", "heads"),
    "history": ("sqlgen.project.listing", "history"),
    "branches": ("sqlgen.project.listing", "branches"),
    "show": ("sqlgen.project.listing", "show"),
    "revisions_text": ("sqlgen.project.listing", "revisions_text"),
    "RevisionCommand": ("sqlgen.project.listing", "RevisionCommand"),
    "RevisionInfo": ("sqlgen.project.listing", "RevisionInfo"),
    # the project, its dialects, a new revision
    "open_project": ("sqlgen.project.workspace", "open_project"),
    "Workspace": ("sqlgen.project.workspace", "Workspace"),
    "all_dialects": ("sqlgen.project.workspace", "all_dialects"),
    "dialect_table": ("sqlgen.project.workspace", "dialect_table"),
    "DialectInfo": ("sqlgen.project.workspace", "DialectInfo"),
    "changed_since": ("sqlgen.project.changes", "changed_since"),
    "Changed": ("sqlgen.project.changes", "Changed"),
    "revision": ("sqlgen.project.authoring", "write_revision"),
    "RevisionRequest": ("sqlgen.project.authoring", "RevisionRequest"),
    "WrittenRevision": ("sqlgen.project.authoring", "WrittenRevision"),
    "Direction": ("sqlgen.project.graph", "Direction"),
    # the schema at a revision
    "schema": ("sqlgen.model.at_revision", "schema"),
    "schemas": ("sqlgen.model.at_revision", "schemas"),
    "SchemaScript": ("sqlgen.model.at_revision", "SchemaScript"),
    # upgrade and downgrade: the memo first, then a generation
    "remembered": ("sqlgen.cache.memo", "lookup"),
    "generate": ("sqlgen.pipeline.run", "generate"),
    "GenerateRequest": ("sqlgen.pipeline.generation", "GenerateRequest"),
    "Progress": ("sqlgen.pipeline.generation", "Progress"),
    "generator_versions": ("sqlgen.pipeline.generation", "generator_versions"),
    "GenerateResult": ("sqlgen.pipeline.results", "GenerateResult"),
    "GenerationFailed": ("sqlgen.errors", "GenerationFailed"),
    # the files on disk: drift check, regenerate, approvals
    "check": ("sqlgen.files.drift", "check"),
    "regenerate": ("sqlgen.files.drift", "regenerate"),
    "recorded_x": ("sqlgen.files.drift", "recorded_x"),
    "CheckResult": ("sqlgen.files.drift", "CheckResult"),
    "Approval": ("sqlgen.files.approvals", "Approval"),
    # lint, the change-ticket bundle, verify on a real engine
    "lint": ("sqlgen.lint.command", "lint"),
    "LintResult": ("sqlgen.lint.command", "LintResult"),
    "bundle": ("sqlgen.review.bundle", "bundle"),
    "BundleResult": ("sqlgen.review.bundle", "BundleResult"),
    "verify": ("sqlgen.verify.command", "verify"),
    "VerifyOutcome": ("sqlgen.verify.command", "VerifyOutcome"),
}

__all__ = [
    "Approval",
    "BundleResult",
    "Changed",
    "CheckResult",
    "DialectInfo",
    "Direction",
    "GenerateRequest",
    "GenerateResult",
    "GenerationFailed",
    "LintResult",
    "Progress",
    "RevisionCommand",
    "RevisionInfo",
    "RevisionRequest",
    "SchemaScript",
    "VerifyOutcome",
    "Workspace",
    "WrittenRevision",
    "__version__",
    "all_dialects",
    "approve",
    "branches",
    "bundle",
    "changed_since",
    "check",
    "dialect_table",
    "generate",
    "generator_versions",
    "heads",
    "history",
    "lint",
    "open_project",
    "recorded_x",
    "regenerate",
    "remembered",
    "revision",
    "revisions_text",
    "schema",
    "schemas",
    "show",
    "verify",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module, attribute = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module 'sqlgen.api' has no attribute {name!r}")


def approve(
    workspace: Workspace, out: Path, by: str, spec: str | None = None, on: str | None = None
) -> list[Approval]:
    """Record the reviewed files' checksums (all, or those of a range) in the lock."""
    from sqlgen.files.approvals import Covering, approve

    covering = None
    if spec is not None:
        plan = workspace.graph.plan("upgrade", spec)
        covering = Covering(spec, frozenset(plan.revisions), plan.start, plan.end)
    return approve(out, by, on or date.today().isoformat(), covering)
