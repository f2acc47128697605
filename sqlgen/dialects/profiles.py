"""Dialect profiles: each target dialect is one TOML file, declared as data.

The built-in profiles live in the repository's `dialects/` folder and ship in
the wheel as the package `sqlgen.dialects.builtin`; they are read with
`importlib.resources`. Adding a dialect means adding a file.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

from sqlgen.dialects.corrections import CORRECTIONS
from sqlgen.errors import ConfigError, UnknownDialect

PROFILE_PACKAGE = "sqlgen.dialects.builtin"


@dataclass(frozen=True)
class ConstraintNames:
    """A profile's `[constraint_names]`: the names its database gives constraints created
    without one, which sqlgen's schema model gives them too (sqlgen.model.naming).

    `family` names the algorithm sqlgen implements for that database (how it numbers,
    cuts long names and avoids names in use); the templates say what each kind of
    constraint is called, in the shapes the family knows (see FAMILIES). A kind without
    a template stays unnamed in the model, as does any constraint the rule cannot name
    for certain.
    """

    family: str
    primary_key: str | None = None
    unique: str | None = None
    foreign_key: str | None = None
    check: str | None = None
    max_length: int | None = None  # the database's identifier limit, where it cuts names

    def template(self, kind: str) -> str | None:
        return cast(str | None, getattr(self, kind))


# For each family, the template shapes its algorithm implements, by kind of constraint.
# postgresql: makeObjectName's "{table}[_{columns}]_label" (label: pkey, key, fkey, check);
# mariadb: InnoDB's "{table}_ibfk_{n}", the first column for a unique key, and the
# "CONSTRAINT_{n}" of a table CHECK.
_LABEL = r"_(?P<label>[a-z]+)"
FAMILIES: dict[str, dict[str, str]] = {
    "postgresql": {
        "primary_key": r"\{table\}" + _LABEL,
        "unique": r"\{table\}_\{columns\}" + _LABEL,
        "foreign_key": r"\{table\}_\{columns\}" + _LABEL,
        "check": r"\{table\}_\{column\}" + _LABEL,
    },
    "mariadb": {
        "unique": r"\{column\}",
        "foreign_key": r"\{table\}(?P<infix>_[a-z]+_)\{n\}",
        "check": r"(?P<prefix>[A-Za-z_]+)\{n\}",
    },
}
_NAMES_KEYS = {"family", "primary_key", "unique", "foreign_key", "check", "max_length"}


def template_parts(family: str, kind: str, template: str) -> dict[str, str] | None:
    """The parts of a template (label, infix, prefix), or None when the family has no
    such shape."""
    shape = FAMILIES.get(family, {}).get(kind)
    found = re.fullmatch(shape, template) if shape is not None else None
    return None if found is None else {k: v for k, v in found.groupdict().items() if v}


def constraint_names_from(data: Mapping[str, Any], source: str) -> ConstraintNames:
    where = Path(source)
    unknown = sorted(set(data) - _NAMES_KEYS)
    if unknown:
        raise ConfigError(where, f"unknown key {unknown[0]!r} in [constraint_names]")
    family = data.get("family")
    if family not in FAMILIES:
        known = ", ".join(sorted(FAMILIES))
        raise ConfigError(where, f"[constraint_names] family must be one of {known}")
    for kind in ("primary_key", "unique", "foreign_key", "check"):
        template = data.get(kind)
        if template is None:
            continue
        if not isinstance(template, str) or template_parts(family, kind, template) is None:
            raise ConfigError(
                where, f"[constraint_names] {kind} = {template!r} is not a {family} name shape"
            )
    limit = data.get("max_length")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 8):
        raise ConfigError(where, "[constraint_names] max_length must be a number of characters")
    return ConstraintNames(
        family=family,
        primary_key=data.get("primary_key"),
        unique=data.get("unique"),
        foreign_key=data.get("foreign_key"),
        check=data.get("check"),
        max_length=limit,
    )


@dataclass(frozen=True)
class Profile:
    name: str
    sqlalchemy: str  # the URL scheme SQLAlchemy resolves to a dialect class
    sqlglot: str  # the sqlglot dialect used for layout
    description: str = ""
    aliases: tuple[str, ...] = ()
    package: str | None = None  # the distribution that provides a third-party SQLAlchemy dialect
    extra: str | None = None  # sqlgen's pip extra that installs it
    alembic_impl: str = "default"  # Alembic impl to derive from when the package ships none
    terminator: str = ";"
    batch_separator: str = ""  # a line written after every statement (GO, /)
    transactional_ddl: bool = False
    begin: str = "BEGIN"
    commit: str = "COMMIT"
    server_version: tuple[int, ...] = ()
    default_schema: str | None = None
    version_table_pk: bool = True
    verify: str = "none"
    # the names the database gives unnamed constraints; None: the model keeps them unnamed
    constraint_names: ConstraintNames | None = None
    # reviewed corrections of SQL the dialect package compiles but the engine rejects
    # (their ids: sqlgen.dialects.corrections.CORRECTIONS)
    corrections: tuple[str, ...] = ()
    source: str = ""


_REQUIRED = ("name", "sqlalchemy", "sqlglot")
_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "sqlalchemy": str,
    "sqlglot": str,
    "description": str,
    "aliases": list,
    "package": str,
    "extra": str,
    "alembic_impl": str,
    "terminator": str,
    "batch_separator": str,
    "transactional_ddl": bool,
    "begin": str,
    "commit": str,
    "server_version": str,
    "default_schema": str,
    "verify": str,
    "version_table": dict,
    "constraint_names": dict,
    "corrections": list,
}


def parse_version(text: str) -> tuple[int, ...]:
    """`15.4` -> (15, 4); raises ValueError for anything else."""
    parts = text.strip().split(".")
    if not all(p.isdigit() for p in parts):
        raise ValueError(f"expected a version such as 15.4, got {text!r}")
    return tuple(int(p) for p in parts)


def profile_from_data(data: Mapping[str, Any], source: str) -> Profile:
    for key in _REQUIRED:
        if key not in data:
            raise ConfigError(Path(source), f"dialect profile lacks required key {key!r}")
    for key, value in data.items():
        expected = _TYPES.get(key)
        if expected is None:
            raise ConfigError(Path(source), f"unknown key {key!r} in dialect profile")
        if not isinstance(value, expected):
            raise ConfigError(Path(source), f"{key!r} has the wrong type ({type(value).__name__})")
    version_table = data.get("version_table", {})
    corrections = tuple(data.get("corrections", ()))
    for name in corrections:
        if name not in CORRECTIONS:
            known = ", ".join(sorted(CORRECTIONS))
            raise ConfigError(Path(source), f"unknown correction {name!r} (known: {known})")
    try:
        server_version = parse_version(data["server_version"]) if "server_version" in data else ()
    except ValueError as exc:
        raise ConfigError(Path(source), str(exc)) from exc
    return Profile(
        name=data["name"],
        sqlalchemy=data["sqlalchemy"],
        sqlglot=data["sqlglot"],
        description=data.get("description", ""),
        aliases=tuple(data.get("aliases", ())),
        package=data.get("package"),
        extra=data.get("extra"),
        alembic_impl=data.get("alembic_impl", "default"),
        terminator=data.get("terminator", ";"),
        batch_separator=data.get("batch_separator", ""),
        transactional_ddl=data.get("transactional_ddl", False),
        begin=data.get("begin", "BEGIN"),
        commit=data.get("commit", "COMMIT"),
        server_version=server_version,
        default_schema=data.get("default_schema"),
        version_table_pk=bool(version_table.get("primary_key", True)),
        verify=data.get("verify", "none"),
        constraint_names=constraint_names_from(data["constraint_names"], source)
        if "constraint_names" in data
        else None,
        corrections=corrections,
        source=source,
    )


def _builtin_files() -> Iterable[tuple[str, bytes]]:
    folder = resources.files(PROFILE_PACKAGE)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            yield f"{PROFILE_PACKAGE}/{entry.name}", entry.read_bytes()


def _folder_files(folder: Path) -> Iterable[tuple[str, bytes]]:
    for path in sorted(folder.glob("*.toml")):
        yield str(path), path.read_bytes()


def load_profiles(extra_folders: Iterable[Path] = ()) -> dict[str, Profile]:
    """Built-in profiles, then each folder's, a later profile replacing an earlier one."""
    profiles: dict[str, Profile] = {}
    sources = list(_builtin_files())
    for folder in extra_folders:
        sources += _folder_files(folder)
    for source, content in sources:
        try:
            data = tomllib.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(Path(source), str(exc)) from exc
        profile = profile_from_data(data, source)
        profiles[profile.name] = profile
    return profiles


def find_profile(name: str, profiles: Mapping[str, Profile]) -> Profile:
    """The profile called `name` or one of its aliases, case-insensitively."""
    wanted = name.strip().lower()
    for profile in profiles.values():
        if wanted == profile.name.lower() or wanted in (a.lower() for a in profile.aliases):
            return profile
    vocabulary = {n: n for n in profiles}
    vocabulary.update({a: p.name for p in profiles.values() for a in p.aliases})
    close = difflib.get_close_matches(wanted, list(vocabulary), n=3, cutoff=0.7)
    suggestions = list(dict.fromkeys(vocabulary[c] for c in close))
    raise UnknownDialect(name, sorted(profiles), suggestions)
