"""A generation as `upgrade` and `downgrade` make it: rendered, written, remembered.

`generate` renders a range for every requested dialect (`render_outputs`), writes
the dialects that succeeded (approvals respected), and records the whole run in
the memo (sqlgen.cache.memo) so that asking it again is answered without loading
the migrations.
"""

from __future__ import annotations

from sqlgen.cache.memo import Remembered, failure_record, memo_inputs, record_run
from sqlgen.errors import GenerationFailed
from sqlgen.files.approvals import read_lock, write_checked
from sqlgen.files.output import output_folder, read_manifest
from sqlgen.pipeline.generation import (
    GenerateRequest,
    Progress,
    generator_versions,
    render_outputs,
)
from sqlgen.pipeline.results import GenerateResult, ScriptText
from sqlgen.project.workspace import Workspace, resolve_dialects


def generate(
    workspace: Workspace,
    request: GenerateRequest,
    progress: Progress | None = None,
    memo_key: str | None = None,
) -> GenerateResult:
    """Render a range for every requested dialect; write the ones that succeed.

    Raises GenerationFailed (after writing the dialects that succeeded) when any
    revision failed for any dialect. With a `memo_key` (and a cache folder), the
    run is remembered whole, its failures included, for `sqlgen.cache.memo.replay`.
    """
    if request.write:  # refused before any work: a symlinked folder, a manifest or lock
        read_manifest(output_folder(request.out))
        read_lock(request.out)
    generation = render_outputs(workspace, request, progress, keep_runs=False)
    result = GenerateResult(
        generation.summary(),
        {name: ScriptText(rendered.text) for name, rendered in generation.scripts.items()},
        generation.files,
        [],
    )
    versions = generator_versions()
    if request.write and generation.files:
        result.written = write_checked(
            request.out,
            generation.files,
            generation.plan.direction,
            list(generation.scripts),
            generation.section,
            versions,
            request.force,
            result.dropped,
        )
    if memo_key is not None and request.cache is not None:
        packages = [p.package for p in resolve_dialects(workspace, request.dialects) if p.package]
        remembered = Remembered(
            result.plan,
            generation.files,
            list(generation.scripts),
            generation.section,
            versions,
            [failure_record(f) for f in generation.failures],
        )
        inputs = memo_inputs(workspace, request.cache, packages, generation.imported)
        record_run(request.cache, memo_key, inputs, remembered)
    if generation.failures:
        raise GenerationFailed(generation.failures, [str(p) for p in result.written])
    return result
