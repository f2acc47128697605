"""Layers point one way: cli -> api -> config/scripts/graph -> runtime -> render -> output.

Shared data (errors, dialect profiles, captured items) sits below them all. Only
the CLI knows about click.
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
    "sqlgen.progress": 0,
    "sqlgen.api": 1,
    "sqlgen.workspace": 1,
    "sqlgen.generation": 1,
    "sqlgen.drift": 1,
    "sqlgen.fanout": 1,
    "sqlgen.memo": 1,
    "sqlgen.snapshot": 1,
    "sqlgen.authoring": 1,
    "sqlgen.changes": 1,
    "sqlgen.config": 2,
    "sqlgen.scripts": 2,
    "sqlgen.script_index": 2,
    "sqlgen.graph": 2,
    "sqlgen.runtime": 3,
    "sqlgen.render": 4,
    "sqlgen.lint": 4,
    "sqlgen.review": 4,
    "sqlgen.output": 5,
    "sqlgen.lock": 5,
    "sqlgen.cache": 5,
    "sqlgen.cache_writes": 5,
    "sqlgen.results": 5,
    "sqlgen.fingerprint": 6,
    "sqlgen.imported": 5,
    "sqlgen.verify": 5,
    "sqlgen.captured": 6,
    "sqlgen.dialects": 6,
    "sqlgen.errors": 6,
    "sqlgen.dialect_sql": 6,
    "sqlgen.corrections": 6,
    "sqlgen.model": 6,
    "sqlgen.internals": 6,
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
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
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
