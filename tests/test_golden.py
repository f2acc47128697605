"""The example project's scripts equal the reviewed golden files (`make golden` rewrites them)."""

from __future__ import annotations

import difflib

from .golden_files import GOLDEN, render_example


def test_example_matches_golden_files() -> None:
    rendered = render_example()
    on_disk = {
        p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8")
        for p in GOLDEN.rglob("*.sql")
    }
    assert sorted(on_disk) == sorted(rendered), "golden files missing or extra; run `make golden`"
    assert len(on_disk) == 12
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
