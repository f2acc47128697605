"""Drift: what on disk differs from a fresh rendering of the recorded runs.

`sqlgen check` replays every run the manifest records (its direction, range,
dialects and options), renders in memory, and compares file by file and the
manifest itself. It is the CI gate that the reviewed files still match the
migrations.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from sqlgen.errors import GenerationFailed
from sqlgen.files.approvals import Approval
from sqlgen.files.output import MANIFEST, manifest_text, merged_manifest, sha256
from sqlgen.pipeline.generation import GenerateRequest, generator_versions, render_outputs
from sqlgen.project.config import Options
from sqlgen.project.workspace import Workspace

DriftKind = Literal[
    "changed", "missing", "left-over", "manifest", "approved", "unapproved", "versions"
]
# kinds that are a note, not drift, unless asked to be strict (`check --strict-versions`)
NOTE_KINDS: frozenset[str] = frozenset({"versions"})


@dataclass(frozen=True)
class Drift:
    path: str
    kind: DriftKind
    detail: str
    diff: str = ""

    def line(self) -> str:
        return f"{self.path}: {self.detail}"


def _diff(path: str, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"{path} (on disk)",
            f"{path} (regenerated)",
        )
    )


def _replay(
    workspace: Workspace, direction: str, section: Mapping[str, Any]
) -> tuple[Workspace, GenerateRequest]:
    """The workspace and request that reproduce one recorded run."""
    options: Mapping[str, Any] = section.get("options", {})
    root = workspace.project.root
    changes: dict[str, Any] = {
        "version_table_schema": options.get("version_table_schema"),
        "transaction_per_migration": bool(options.get("transaction_per_migration")),
        "data_reads": options.get("data_reads", "fail"),
        "overrides": root / options["overrides"] if options.get("overrides") else None,
    }
    if options.get("version_table"):
        changes["version_table"] = options["version_table"]
    if options.get("source_dialect"):
        changes["source_dialect"] = options["source_dialect"]
    project_options: Options = replace(workspace.project.options, **changes)
    replayed = replace(workspace, project=replace(workspace.project, options=project_options))
    request = GenerateRequest(
        direction=direction,  # type: ignore[arg-type]
        spec=str(section["requested"]),
        dialects=list(section.get("dialects", {})),
        per_revision=bool(options.get("per_revision")),
        version_table=options.get("version_table") is not None,
        server_version=options.get("server_version"),
        write=False,
    )
    return replayed, request


def recorded_runs(
    workspace: Workspace, manifest: Mapping[str, Any]
) -> list[tuple[Workspace, GenerateRequest]]:
    """The workspace and request of each run the manifest records (upgrade, then downgrade),
    for `sqlgen regenerate` to run again."""
    return [
        _replay(workspace, direction, manifest[direction])
        for direction in ("upgrade", "downgrade")
        if manifest.get(direction)
    ]


def expected_output(
    workspace: Workspace, manifest: Mapping[str, Any], cache: Path | None = None
) -> tuple[dict[str, str], str]:
    """Every file the recorded runs produce today, and the manifest they produce
    (`cache`: the rendering cache to use, if any)."""
    files: dict[str, str] = {}
    expected: dict[str, Any] | None = None
    for direction in ("upgrade", "downgrade"):
        section = manifest.get(direction)
        if not section:
            continue
        replayed, request = _replay(workspace, direction, section)
        generation = render_outputs(replayed, replace(request, cache=cache), keep_runs=False)
        if generation.failures:
            raise GenerationFailed(generation.failures)
        files.update({f.path: f.content for f in generation.files})
        expected, _ = merged_manifest(
            expected,
            generation.files,
            direction,
            list(generation.scripts),
            generation.section,
            generator_versions(),
        )
    return files, manifest_text(expected or {})


def _versions_only(on_disk: str, expected: str) -> str | None:
    """When two manifests differ only in the generator's library versions, what differs;
    None when anything else differs (or either is not a JSON object)."""
    try:
        old, new = json.loads(on_disk), json.loads(expected)
    except ValueError:
        return None
    if not isinstance(old, dict) or not isinstance(new, dict):
        return None
    old_versions, new_versions = old.pop("generator", None), new.pop("generator", None)
    if old != new or old_versions == new_versions:
        return None
    if not isinstance(old_versions, dict) or not isinstance(new_versions, dict):
        return None
    changed = ", ".join(
        f"{name} {old_versions.get(name, 'absent')} -> {new_versions.get(name, 'absent')}"
        for name in sorted(old_versions.keys() | new_versions.keys())
        if old_versions.get(name) != new_versions.get(name)
    )
    return (
        f"made with other library versions ({changed}); the SQL files and the rest of "
        "the manifest match"
    )


def compare(
    out: Path,
    manifest: Mapping[str, Any],
    expected_files: Mapping[str, str],
    expected_manifest: str,
    approvals: Mapping[str, Approval],
    dropped: Mapping[str, Approval] | None = None,
    whole_manifest: bool = True,
) -> list[Drift]:
    """`dropped`: approvals a forced regeneration took away; `whole_manifest`: False when
    only some dialects were regenerated (their files are compared, not the manifest)."""
    drifts: list[Drift] = []
    for path, content in sorted(expected_files.items()):
        target = out / path
        if not target.is_file():
            drifts.append(Drift(path, "missing", "missing on disk"))
            continue
        on_disk = target.read_text(encoding="utf-8")
        if on_disk != content:
            drifts.append(
                Drift(path, "changed", "differs from the migrations", _diff(path, on_disk, content))
            )
    listed: Sequence[Mapping[str, Any]] = manifest.get("files", [])
    for entry in listed:
        path = str(entry.get("path"))
        if path not in expected_files:
            detail = "listed in manifest.json, but no recorded run produces it any more"
            drifts.append(Drift(path, "left-over", detail))
    on_disk_manifest = (out / MANIFEST).read_text(encoding="utf-8")
    if whole_manifest and on_disk_manifest != expected_manifest:
        diff = _diff(MANIFEST, on_disk_manifest, expected_manifest)
        versions = _versions_only(on_disk_manifest, expected_manifest)
        if versions is not None:
            drifts.append(Drift(MANIFEST, "versions", versions, diff))
        else:
            drifts.append(Drift(MANIFEST, "manifest", "differs from a fresh rendering", diff))
    for path, approval in sorted(approvals.items()):
        if path in expected_files and sha256(expected_files[path].encode()) != approval.sha256:
            detail = f"approved by {approval.by} on {approval.on}, and would change"
            drifts.append(Drift(path, "approved", detail))
    for path, lost in sorted((dropped or {}).items()):
        if path in expected_files and path not in approvals:
            detail = (
                f"no longer approved: the approval by {lost.by} on {lost.on} was dropped "
                "when --force rewrote it; review it and run `sqlgen approve`"
            )
            drifts.append(Drift(path, "unapproved", detail))
    return drifts
