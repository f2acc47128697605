"""A column type as the database would report it when reflected.

A database does not remember `sa.String(30)`: PostgreSQL reflects `VARCHAR(30)`,
a dialect-specific class. Inspection answers with that class, as a live
database's would, so code (and Alembic's autogenerate) sees what it would see
online. The type is compiled for the dialect and looked up in the dialect's
own reflection table (`ischema_names`); it is used only when it compiles back
to exactly the same DDL, otherwise the migration's own type is kept.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

# Names a type compiles to that the dialect's reflection table spells otherwise.
_ALIASES: dict[str, dict[str, str]] = {
    "postgresql": {
        "varchar": "character varying",
        "char": "character",
        "decimal": "numeric",
        "int": "integer",
        "float": "double precision",
    },
}
_COMPILED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*(?:\(([\d\s,]*)\))?\s*$")


def _parsed(compiled: str) -> tuple[str, list[int]] | None:
    match = _COMPILED.match(compiled)
    if match is None:
        return None
    name, arguments = match.groups()
    numbers = [int(a) for a in (arguments or "").split(",") if a.strip()]
    return name, numbers


def _lookup(dialect: Dialect, name: str) -> Any:
    names: dict[str, Any] = getattr(dialect, "ischema_names", {}) or {}
    for candidate in (name, name.lower(), name.upper()):
        if candidate in names:
            return names[candidate]
    alias = _ALIASES.get(dialect.name, {}).get(name.lower())
    return names.get(alias) if alias else None


@lru_cache(maxsize=4096)
def _reflected_class(dialect: Dialect, compiled: str) -> tuple[Any, tuple[int, ...]] | None:
    parsed = _parsed(compiled)
    if parsed is None:
        return None
    found = _lookup(dialect, parsed[0])
    return (found, tuple(parsed[1])) if isinstance(found, type) else None


def as_reflected(type_: TypeEngine[Any], dialect: Dialect) -> TypeEngine[Any]:
    """`type_` as `dialect` would reflect it; `type_` itself when that is not certain."""
    try:
        compiled = type_.compile(dialect=dialect)
    except Exception:  # a type the dialect cannot render: nothing to reflect
        return type_
    found = _reflected_class(dialect, compiled)
    if found is None:
        return type_
    cls, arguments = found
    try:
        reflected: TypeEngine[Any] = cls(*arguments)
        same = reflected.compile(dialect=dialect) == compiled
    except Exception:  # the class does not take these arguments
        return type_
    return reflected if same else type_
