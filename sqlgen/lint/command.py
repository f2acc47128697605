"""`sqlgen lint`: render a range's upgrade and the downgrade of the same revisions, lint both.

The downgrade is rendered too because a revision that cannot be undone is a
finding (SG602); a downgrade that fails does not stop the lint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlgen.errors import ConfigError, GenerationFailed
from sqlgen.lint.engine import Deployment, LintConfig, each_revision, whole_range
from sqlgen.lint.engine import lint as run_lint
from sqlgen.lint.model import Finding
from sqlgen.pipeline.generation import GenerateRequest, Generation, render_outputs
from sqlgen.project.changes import Changed
from sqlgen.project.graph import reverse_spec
from sqlgen.project.workspace import Workspace


def _one_deployment(revisions: Sequence[str]) -> Deployment:
    """The revisions of one change ship together; any other can be deployed on its own."""
    together = frozenset(revisions)

    def deployment(revision: str) -> str:
        return "" if revision in together else revision

    return deployment


@dataclass
class LintResult:
    findings: list[Finding]
    upgrade: Generation
    downgrade: Generation


def lint(
    workspace: Workspace,
    spec: str,
    dialects: Sequence[str],
    *,
    assume_new_tables: bool = False,
    changed: Changed | None = None,
) -> LintResult:
    """Lint a range's upgrade, and the downgrade of the same revisions.

    A table an earlier revision of the range created is taken to hold rows (a
    deployment can stop after any revision) unless `assume_new_tables`. With
    `changed` (see `changed_since`), only its revisions are reported, and they are
    one deployment: what they create is new to each other.
    """
    deployment: Deployment = each_revision
    if assume_new_tables:
        deployment = whole_range
    elif changed is not None:
        deployment = _one_deployment(changed.revisions)
    try:
        config = LintConfig.from_mapping(workspace.project.options.lint)
    except ValueError as exc:
        where = workspace.project.config_files[0] if workspace.project.config_files else "config"
        raise ConfigError(where, f"[tool.sqlgen.lint]: {exc}") from exc
    up = render_outputs(workspace, GenerateRequest("upgrade", spec, dialects, write=False))
    if up.failures:
        raise GenerationFailed(up.failures)
    back = GenerateRequest("downgrade", reverse_spec(up.plan), dialects, write=False)
    down = render_outputs(workspace, back)
    # a downgrade that fails is a finding (SG602), not a reason to stop
    findings = run_lint(up.runs, down.runs, config, deployment)
    if changed is not None:
        findings = [f for f in findings if f.revision in changed.revisions]
    return LintResult(findings, up, down)
