"""`sqlgen bundle`: everything a change ticket needs, in one folder and a zip beside it.

The range's upgrade and downgrade scripts for each dialect, their manifest, the
lint findings, and REVIEW.md / REVIEW.html (sqlgen.review) over all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlgen.errors import GenerationFailed, UsageError
from sqlgen.files.output import (
    output_folder,
    output_targets,
    read_manifest,
    required_manifest,
    write_inside,
    write_output,
    write_zip,
    zip_entries,
)
from sqlgen.lint.command import lint
from sqlgen.lint.model import Finding
from sqlgen.pipeline.generation import generator_versions
from sqlgen.project.changes import Changed
from sqlgen.project.workspace import Workspace, resolve_dialects
from sqlgen.review.html import to_html
from sqlgen.review.markdown import to_markdown
from sqlgen.review.model import build_review


@dataclass
class BundleResult:
    folder: Path
    archive: Path
    files: list[Path]
    findings: list[Finding]


def bundle(
    workspace: Workspace,
    spec: str,
    dialects: Sequence[str],
    out: Path,
    *,
    assume_new_tables: bool = False,
    changed: Changed | None = None,
) -> BundleResult:
    """Everything a change ticket needs, in `out` and in `out`.zip beside it."""
    if out.exists() and any(out.iterdir()) and read_manifest(out) is None:
        raise UsageError(f"{out} is not empty and holds no sqlgen bundle; choose a new folder")
    if out.exists() or out.is_symlink():
        zip_entries(output_folder(out, "bundle folder"))  # a symlink in it: refused now
    linted = lint(workspace, spec, dialects, assume_new_tables=assume_new_tables, changed=changed)
    up, down = linted.upgrade, linted.downgrade
    if down.failures:
        raise GenerationFailed(down.failures)
    written: list[Path] = []
    versions = generator_versions()
    output_targets(out, [*up.files, *down.files])  # every name checked before any write
    for generation in (up, down):
        written += write_output(
            out,
            generation.files,
            generation.plan.direction,
            list(generation.scripts),
            generation.section,
            versions,
        )
    manifest = required_manifest(out)
    checksums = {str(e["path"]): str(e["sha256"]) for e in manifest["files"]}
    review = build_review(
        spec,
        up.plan.start,
        up.plan.end,
        up.runs,
        down.runs,
        linted.findings,
        checksums,
        versions,
        project_root=workspace.project.root,
        # the DDL of the tables touched, in the dialect the user named first
        shape_dialect=resolve_dialects(workspace, dialects)[0].name,
    )
    scripts = {f.path: f.content for f in (*up.files, *down.files)}
    for name, text in (
        ("REVIEW.md", to_markdown(review)),
        ("REVIEW.html", to_html(review, scripts)),
    ):
        written.append(write_inside(out, name, text.encode("utf-8"), "sqlgen"))
    archive = out.parent / f"{out.name}.zip"
    write_zip(out, archive)
    return BundleResult(out, archive, written, linted.findings)
