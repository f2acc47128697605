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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from sqlgen.errors import GenerationFailed, UsageError
from sqlgen.files.approvals import Approval, read_dropped, read_lock
from sqlgen.files.output import (
    MANIFEST,
    manifest_text,
    merged_manifest,
    read_manifest,
    required_manifest,
    sha256,
)
from sqlgen.pipeline.generation import GenerateRequest, generator_versions, render_outputs
from sqlgen.pipeline.results import GenerateResult
from sqlgen.pipeline.run import generate
from sqlgen.project.config import Options
from sqlgen.project.workspace import Workspace, resolve_dialects

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


@dataclass
class CheckResult:
    drifts: list[Drift]
    checked: int  # files regenerated and compared
    # differences that are no drift: the generator's library versions alone (see drift.py)
    notes: list[Drift] = field(default_factory=list)


# the rendering options a manifest records for each run, by their settings' names
_RECORDED = ("data_reads", "overrides", "source_dialect", "server_version")


def recorded_x(out: Path) -> tuple[str, ...]:
    """The -x arguments the manifest's runs were rendered with (check and regenerate
    replay them when none are given)."""
    manifest = read_manifest(out) or {}
    found: list[str] = []
    for direction in ("upgrade", "downgrade"):
        environment = manifest.get(direction, {}).get("options", {}).get("environment", {})
        found += [str(x) for x in environment.get("x", []) if str(x) not in found]
    return tuple(found)


def _only(
    workspace: Workspace,
    out: Path,
    manifest: Mapping[str, Any],
    dialects: Sequence[str],
    given: Mapping[str, Any],
) -> dict[str, Any]:
    """The manifest with only the runs of `dialects` (all when none); a setting `given`
    on the command line must be what the manifest records (it is replayed, not changed)."""
    manifest = dict(manifest)
    wanted = {p.name for p in resolve_dialects(workspace, dialects)} if dialects else None
    recorded: set[str] = set()
    for direction in ("upgrade", "downgrade"):
        section = manifest.get(direction)
        if not section:
            continue
        options = section.get("options", {})
        for key, value in given.items():
            if key not in _RECORDED or value is None:
                continue
            mine = workspace.relative(Path(value)) if key == "overrides" else str(value)
            if options.get(key) != mine:
                raise UsageError(
                    f"--{key.replace('_', '-')} {value}: {out / MANIFEST} records "
                    f"{options.get(key)!r} for its {direction} run, and check and regenerate "
                    f"replay what it records (run {direction} to change it)"
                )
        recorded |= set(section.get("dialects", {}))
        if wanted is not None:
            kept = {k: v for k, v in section.get("dialects", {}).items() if k in wanted}
            manifest[direction] = {**section, "dialects": kept} if kept else None
    if wanted is not None:
        unknown = sorted(wanted - recorded)
        if unknown:
            raise UsageError(
                f"--dialect {', '.join(unknown)}: {out / MANIFEST} records no run for it "
                f"(it has {', '.join(sorted(recorded)) or 'none'})"
            )
        manifest["files"] = [
            e for e in manifest.get("files", []) if str(e.get("dialect")) in wanted
        ]
    return manifest


def check(
    workspace: Workspace,
    out: Path,
    dialects: Sequence[str] = (),
    given: Mapping[str, Any] | None = None,
    cache: Path | None = None,
    strict_versions: bool = False,
) -> CheckResult:
    """Regenerate every run the manifest records (of `dialects`, when given), in memory,
    and compare with disk. `given`: settings from the command line (see `_only`);
    `cache`: the rendering cache to use. A manifest that differs only in the generator's
    library versions is a note, unless `strict_versions`."""
    manifest = _only(workspace, out, required_manifest(out), dialects, given or {})
    files, expected_manifest = expected_output(workspace, manifest, cache)
    drifts = compare(
        out,
        manifest,
        files,
        expected_manifest,
        read_lock(out),
        read_dropped(out),
        whole_manifest=not dialects,
    )
    notes = [] if strict_versions else [d for d in drifts if d.kind in NOTE_KINDS]
    return CheckResult([d for d in drifts if d not in notes], len(files), notes)


def regenerate(
    workspace: Workspace,
    out: Path,
    dialects: Sequence[str] = (),
    given: Mapping[str, Any] | None = None,
    cache: Path | None = None,
    force: bool = False,
) -> list[GenerateResult]:
    """Run again what OUT/manifest.json records: each direction's range, dialects and
    options (of `dialects` only, when given), written to OUT as those runs wrote it."""
    manifest = _only(workspace, out, required_manifest(out), dialects, given or {})
    results = []
    for replayed, request in recorded_runs(workspace, manifest):
        again = replace(request, out=out, write=True, force=force, cache=cache)
        results.append(generate(replayed, again))
    return results
