"""Golden SQL for the example project, per dialect.

Regenerated only on purpose, with `make golden` (python -m tests.golden_files);
review the diff before committing it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlgen import api
from sqlgen.dialects.profiles import load_profiles

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "shop"
GOLDEN = Path(__file__).resolve().parent / "golden" / "shop"
# every built-in profile: the dev install has every dialect package (the `all` extra)
DIALECTS = list(load_profiles())


def render_example() -> dict[str, str]:
    """Relative path -> content of every script sqlgen writes for the example."""
    workspace = api.open_project(EXAMPLE)
    files: dict[str, str] = {}
    for direction, spec in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
        request = api.GenerateRequest(direction, spec, DIALECTS, write=False)  # type: ignore[arg-type]
        files.update({f.path: f.content for f in api.generate(workspace, request).files})
    return files


def main() -> None:
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for relative, content in sorted(render_example().items()):
        target = GOLDEN / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))
        print(f"wrote {target.relative_to(REPO)}")


if __name__ == "__main__":
    main()
