"""Layers point one way: cli -> api -> pipeline -> project -> runtime -> render -> files.

A package is a layer (docs/architecture.md draws them). The few modules whose rank
is not their package's say why below: a step a command composes from the whole
pipeline ranks with the pipeline, and shared data ranks below every layer. Only the
CLI knows about click.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import sqlgen

PACKAGE = Path(sqlgen.__file__).parent

RANKS = {
    "sqlgen.cli": 0,
    "sqlgen.__main__": 0,
    "sqlgen.api": 1,
    "sqlgen.pipeline": 1,
    # steps a command composes from the whole pipeline, kept beside what they are about
    "sqlgen.cache.memo": 1,  # replays a whole earlier run, checked against the project
    "sqlgen.files.drift": 1,  # renders the range again and compares it with the files
    "sqlgen.model.at_revision": 1,  # runs the range up to a revision to read its schema
    "sqlgen.project.authoring": 1,  # writes a revision from the schema at the head
    "sqlgen.lint.command": 1,  # renders the range both ways, then lints
    "sqlgen.review.bundle": 1,  # writes scripts, lint findings and the review together
    "sqlgen.verify.command": 1,  # writes the scripts, then runs them on an engine
    "sqlgen.project": 2,
    "sqlgen.runtime": 3,
    "sqlgen.render": 4,
    "sqlgen.lint": 4,
    "sqlgen.review": 4,
    "sqlgen.verify": 5,
    "sqlgen.files": 5,
    "sqlgen.cache": 5,
    "sqlgen.pipeline.results": 5,  # a run's results as data: files written, approvals
    # shared data and pinned internals, below every layer
    "sqlgen.pipeline.captured": 6,
    "sqlgen.cache.fingerprint": 6,
    "sqlgen.runtime.internals": 6,
    "sqlgen.model": 6,
    "sqlgen.dialects": 6,
    "sqlgen.errors": 6,
    "sqlgen": 6,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _rank(module: str) -> int:
    while module not in RANKS:
        module = module.rsplit(".", 1)[0]
    return RANKS[module]


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            # `from package import module` depends on that module (and the package's
            # __init__, which only re-exports what lies below it), not on the package
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            modules = [name for name in submodules if _is_module(name)]
            names += modules
            if len(modules) < len(submodules):
                names.append(node.module)
    return names


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    for path in _modules():
        _rank(_module_name(path))  # raises KeyError for a module nobody placed


def test_imports_only_point_down_the_pipeline() -> None:
    upward = []
    for path in _modules():
        module = _module_name(path)
        for imported in _imports(path):
            is_ours = imported.startswith("sqlgen") and _is_module(imported)
            if is_ours and _rank(imported) < _rank(module):
                upward.append(f"{module} imports {imported}")
    assert upward == []


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (PACKAGE.parent / relative).with_suffix(".py").exists() or (
        PACKAGE.parent / relative / "__init__.py"
    ).exists()


def test_only_the_cli_imports_click() -> None:
    offenders = [
        _module_name(path)
        for path in _modules()
        if _rank(_module_name(path)) > 0
        and any(name == "click" or name.startswith("click.") for name in _imports(path))
    ]
    assert offenders == []


def test_core_runs_without_loading_click() -> None:
    code = (
        "import sys, sqlgen.api, sqlgen.render.script, sqlgen.runtime.runner; "
        "print('click' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_cli_loads_the_pipeline_only_when_a_command_needs_it() -> None:
    # `sqlgen --help` and usage errors must not pay for SQLAlchemy, Alembic and sqlglot
    code = (
        "import sys, sqlgen.cli; "
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'sqlglot', 'sqlgen.api') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_api_hands_out_what_it_declares_and_loads_it_on_first_use() -> None:
    # api.py names each export three times: in _EXPORTS (what __getattr__ loads), in its
    # TYPE_CHECKING imports (what type checkers see) and in __all__; they must agree
    from sqlgen import api

    tree = ast.parse((PACKAGE / "api.py").read_text(encoding="utf-8"))
    [checking] = [
        n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)
    ]
    declared = {
        alias.asname or alias.name: (node.module, alias.name)
        for node in checking.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert declared == api._EXPORTS
    assert sorted(api.__all__) == sorted([*api._EXPORTS, "approve", "__version__"])
    code = (
        "import sys, sqlgen.api; "
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'sqlglot') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"  # a run the memo answers must not pay for them
    for name in api._EXPORTS:
        assert getattr(api, name) is not None
