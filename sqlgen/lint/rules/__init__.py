"""The lint rules: one module per rule, found here and ordered by rule id.

A rule's module (`sg101_drop_table.py`: its id, then what it checks) holds all of
it: its documentation as the module docstring, its metadata as `RULE` (a `Rule`:
severity, dialects, directions, message, hint, title, the Alembic operations it
reads) and its `check`. Adding a rule is adding such a module; helpers several
rules share are in `helpers`.

A check gets a `StepView` (one revision's capture for one dialect) and yields a
`Hit` for every place its rule fires. Checks read the Alembic operations the
migration invoked (`capture.calls`, batch operations included) and the captured
SQL parsed with sqlglot (`view.statements`), never the SQL text itself. Where an
Alembic operation says what happens, its statements are left to the operation
check; the statement side of a check covers SQL the migration wrote itself
(`op.execute`, the bind), so nothing is reported twice.

The engine decides which rules run where (dialects, directions, configuration).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol, cast

from sqlgen.lint.model import Check, Hit, Rule, StepView
from sqlgen.model.operations import OperationTable

if TYPE_CHECKING:
    from alembic.operations.ops import MigrateOperation

# sg101_drop_table: the rule's id in lower case, then what it checks
RULE_MODULE = re.compile(r"sg\d{3}_[a-z0-9_]+")


class RuleModule(Protocol):
    """What a rule's module defines."""

    RULE: Rule

    def check(self, view: StepView) -> Iterator[Hit]: ...


def _rule_modules() -> list[RuleModule]:
    names = [m.name for m in pkgutil.iter_modules(__path__) if RULE_MODULE.fullmatch(m.name)]
    modules = [cast(RuleModule, importlib.import_module(f"{__name__}.{name}")) for name in names]
    return sorted(modules, key=lambda module: module.RULE.id)


MODULES: tuple[RuleModule, ...] = tuple(_rule_modules())
RULES: tuple[Rule, ...] = tuple(module.RULE for module in MODULES)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
CHECKS: dict[str, Check] = {module.RULE.id: module.check for module in MODULES}


def _readers(rules: tuple[Rule, ...]) -> OperationTable[tuple[Rule, ...]]:
    readers: dict[type[MigrateOperation], list[Rule]] = {}
    for rule in rules:
        for kind in rule.operations:
            readers.setdefault(kind, []).append(rule)
    table = OperationTable[tuple[Rule, ...]]("lint")
    for kind, reading in readers.items():
        table.register(kind)(tuple(reading))
    return table


LINT = _readers(RULES)
"""The rules that read each Alembic operation class (see `sqlgen.model.operations`)."""

__all__ = ["CHECKS", "LINT", "MODULES", "RULES", "RULES_BY_ID", "Check", "RuleModule"]
