"""The example project's scripts equal the reviewed golden files (`make golden` rewrites them)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from sqlgen import api

from .golden_files import DIALECTS, EXAMPLE, GOLDEN, REPO, render_example


def test_example_matches_golden_files() -> None:
    rendered = render_example()
    on_disk = {
        p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8")
        for p in GOLDEN.rglob("*.sql")
    }
    assert sorted(on_disk) == sorted(rendered), "golden files missing or extra; run `make golden`"
    assert len(on_disk) == 2 * len(DIALECTS) >= 22
    for path, expected in on_disk.items():
        if rendered[path] != expected:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    rendered[path].splitlines(keepends=True),
                    f"golden/{path}",
                    f"rendered/{path}",
                )
            )
            raise AssertionError(f"{path} differs from its golden file (`make golden`):\n{diff}")


def test_committed_demo_output_is_current(tmp_path: Path) -> None:
    """output/ in the repository is exactly what `make demo` writes."""
    workspace = api.open_project(EXAMPLE)
    for direction, spec in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
        request = api.GenerateRequest(direction, spec, DIALECTS, out=tmp_path)  # type: ignore[arg-type]
        api.generate(workspace, request)
    committed = REPO / "output"

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.sql")}

    assert files(committed) == files(tmp_path), "output/ is stale: run `make demo`"
    fresh = json.loads((tmp_path / "manifest.json").read_text())
    kept = json.loads((committed / "manifest.json").read_text())
    # library versions may differ from the ones output/ was made with; everything else may not
    fresh.pop("generator")
    kept.pop("generator")
    assert kept == fresh
