"""How the lint rules are laid out: one module per rule, discovered and ordered by id,
each declaring the Alembic operations it reads; their documentation follows them."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType

from alembic.operations import ops

import sqlgen.lint
from sqlgen.lint.reference import rules_reference
from sqlgen.lint.rules import CHECKS, LINT, MODULES, RULES, RULES_BY_ID, helpers
from sqlgen.model.operations import KNOWN

REPO = Path(__file__).resolve().parent.parent
LINT_PACKAGE = Path(sqlgen.lint.__file__).parent
# every rule file, as a module
RULE_FILES: dict[str, ModuleType] = {
    path.stem: importlib.import_module(f"sqlgen.lint.rules.{path.stem}")
    for path in sorted((LINT_PACKAGE / "rules").glob("sg*.py"))
}


def _source(module: ModuleType) -> ast.Module:
    return ast.parse(inspect.getsource(module))


def _operations_named(tree: ast.Module) -> set[str]:
    """The `ops.X` classes a module's code names."""
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "ops"
        and isinstance(getattr(ops, node.attr, None), type)
    }


def _rule_modules_imported(tree: ast.Module) -> list[ModuleType]:
    """The other rule modules a rule module imports (SG105 runs SG101's and SG102's checks)."""
    return [
        RULE_FILES[alias.name]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "sqlgen.lint.rules"
        for alias in node.names
        if alias.name in RULE_FILES
    ]


def test_each_rule_is_a_module_named_after_its_id_and_all_are_found() -> None:
    assert [rule.id for rule in RULES] == sorted(RULES_BY_ID) and len(RULES) == 25
    assert sorted(MODULES, key=id) == sorted(RULE_FILES.values(), key=id)
    for name, module in RULE_FILES.items():
        rule = module.RULE
        assert name.startswith(rule.id.lower() + "_"), name
        assert CHECKS[rule.id] is module.check
        assert rule.docs and rule.docs == module.__doc__


def test_lint_reads_only_operations_the_other_layers_know() -> None:
    registered = list(LINT.kinds())
    assert registered
    for kind in registered:
        # ExecuteSQLOp is not in KNOWN: raw SQL is read from its statements
        assert kind in KNOWN or kind is ops.ExecuteSQLOp, kind.__name__
        assert not issubclass(kind, ops.OpContainer), kind.__name__
    readers = LINT.handler(ops.AlterColumnOp("t", "c"))
    assert readers is not None
    assert [rule.id for rule in readers] == ["SG205", "SG206", "SG301", "SG402", "SG702"]


def test_each_rule_declares_the_operations_its_module_reads() -> None:
    for module in RULE_FILES.values():
        tree = _source(module)
        named = _operations_named(tree)
        for imported in _rule_modules_imported(tree):
            named |= _operations_named(_source(imported))
        declared = {kind.__name__ for kind in module.RULE.operations}
        assert declared == named, module.RULE.id


def test_helpers_read_no_operation_class() -> None:
    # so a rule's declaration, checked against its own module above, is complete
    assert _operations_named(_source(helpers)) == set()


def test_no_private_name_is_imported_across_lint_modules() -> None:
    imported = [
        f"{path.relative_to(REPO)}: {node.module}.{alias.name}"
        for path in sorted(LINT_PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlgen")
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert imported == []


def test_the_rules_documentation_is_written_from_the_rule_modules() -> None:
    document = REPO / "docs" / "lint-rules.md"
    assert document.read_text(encoding="utf-8") == rules_reference(RULES), (
        "docs/lint-rules.md is out of date: python -m sqlgen.lint.reference > docs/lint-rules.md"
    )


def test_the_readme_lists_every_rule_as_declared() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Lint rules") :]
    assert "(docs/lint-rules.md)" in section[: section.index("| rule |")]
    rows = re.findall(r"^\| (SG\d{3}) \| ([^|]+) \| ([^|]+) \|", section, re.MULTILINE)
    listed = {
        rule_id: (severity.strip(), ", ".join(sorted(dialects.strip().split(", "))))
        for rule_id, severity, dialects in rows
    }
    declared = {
        rule.id: (
            rule.severity.value + ("" if rule.enabled_by_default else " (opt-in)"),
            ", ".join(sorted(rule.dialects)) if rule.dialects is not None else "all",
        )
        for rule in RULES
    }
    assert listed == declared
