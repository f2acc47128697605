"""Project discovery and settings.

A project is found from, in order: `[tool.sqlgen]` in `pyproject.toml`,
`sqlgen.toml`, then an existing Alembic configuration (`alembic.ini` and
`[tool.alembic]` in `pyproject.toml`), read with Alembic's own `Config` so its
path separators and `%(here)s` behave exactly as in Alembic. The first source
that sets a key wins. The project's `env.py` is never read or run.

Precedence of settings: command line > environment (`SQLGEN_<KEY>`) > config
file > built-in default.
"""

from __future__ import annotations

import configparser
import os
import re
import tomllib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlgen.errors import ConfigError, NoMigrationsFound

DATA_READ_MODES = ("fail", "empty")
ENV_PY_MODES = ("run", "skip")


@dataclass(frozen=True)
class Layout:
    """Where the revision files live, as Alembic would find them."""

    script_location: Path
    version_locations: tuple[Path, ...] = ()
    recursive_version_locations: bool = False
    prepend_sys_path: tuple[Path, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Options:
    """Settings a project would otherwise pass to `context.configure()` in env.py."""

    version_table: str = "alembic_version"
    version_table_schema: str | None = None
    transaction_per_migration: bool = False
    preload: tuple[str, ...] = ()
    overrides: Path | None = None
    data_reads: str = "fail"
    # the dialect raw op.execute() SQL is written in; None: emitted verbatim, as Alembic does
    source_dialect: str | None = None
    env_py: str = "run"  # "run": env.py offline, as `alembic --sql`; "skip": not run at all
    target_metadata: str | None = None  # "module:attr", the MetaData env.py would pass
    # the tables that exist before the first revision: "module:attr" MetaData or a .sql file
    baseline: str | None = None
    dialects: Path | None = None  # the project's own dialect profiles
    lint: Mapping[str, Any] = field(default_factory=dict)
    cache_dir: Path | None = None  # the rendering cache (default: PROJECT/.sqlgen-cache)
    server_version: str | None = None  # "X.Y": the server the SQL is for (default: the profile's)


@dataclass(frozen=True)
class Project:
    root: Path
    layout: Layout
    options: Options
    config_files: tuple[Path, ...] = field(default=())
    alembic_ini: Path | None = None
    alembic_toml: Path | None = None  # a pyproject.toml with [tool.alembic]


# --- value parsing --------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LIST_SPLIT = re.compile(r"[,\s]+")


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _as_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return tuple(v for v in _LIST_SPLIT.split(str(value).strip()) if v)


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _as_table(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"expected a table, got {value!r}")
    return dict(value)


def _as_data_reads(value: Any) -> str:
    text = _as_str(value)
    if text not in DATA_READ_MODES:
        raise ValueError(f"expected one of {', '.join(DATA_READ_MODES)}, got {value!r}")
    return text


def _as_env_py(value: Any) -> str:
    text = _as_str(value)
    if text not in ENV_PY_MODES:
        raise ValueError(f"expected one of {', '.join(ENV_PY_MODES)}, got {value!r}")
    return text


# key -> converter, for settings that env.py would normally hold
_OPTION_KEYS: dict[str, Callable[[Any], Any]] = {
    "version_table": _as_str,
    "version_table_schema": _as_str,
    "transaction_per_migration": _as_bool,
    "preload": _as_list,
    "overrides": _as_str,
    "source_dialect": _as_str,
    "dialects": _as_str,
    "lint": _as_table,  # [tool.sqlgen.lint]: enable, disable, severity (read by sqlgen.lint)
    "data_reads": _as_data_reads,
    "cache_dir": _as_str,
    "env_py": _as_env_py,
    "target_metadata": _as_str,
    "baseline": _as_str,
    "server_version": lambda value: str(value) if isinstance(value, int) else _as_str(value),
}
# keys that say where the revision files are (Alembic's names)
_LAYOUT_KEYS: dict[str, Callable[[Any], Any]] = {
    "script_location": _as_str,
    "version_locations": _as_list,
    "recursive_version_locations": _as_bool,
    "prepend_sys_path": _as_list,
}
KNOWN_KEYS = {**_OPTION_KEYS, **_LAYOUT_KEYS}
# folders; relative to the project folder (the CLI passes absolute paths)
_PATH_OPTIONS = ("overrides", "dialects", "cache_dir")
CACHE_FOLDER = ".sqlgen-cache"  # the rendering cache, in the project folder unless set


def env_var(key: str) -> str:
    return f"SQLGEN_{key.upper()}"


# --- reading config files -------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    path: Path
    section: str
    values: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.path} {self.section}"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(path, str(exc)) from exc


def _substitute_here(value: Any, here: Path) -> Any:
    if isinstance(value, str):
        return value.replace("%(here)s", here.as_posix())
    if isinstance(value, list):
        return [_substitute_here(v, here) for v in value]
    return value


def _checked_source(path: Path, section: str, given: Mapping[str, Any]) -> _Source:
    values: dict[str, Any] = {}
    for key, value in given.items():
        if key not in KNOWN_KEYS:
            from difflib import get_close_matches

            close = get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(path, f"unknown key {key!r} in {section}{hint}")
        try:
            values[key] = KNOWN_KEYS[key](_substitute_here(value, path.parent))
        except ValueError as exc:
            raise ConfigError(path, f"{section} {key}: {exc}") from exc
    return _Source(path, section, values)


def _toml_sources(path: Path, *, pyproject: bool) -> list[_Source]:
    data = _read_toml(path)
    if pyproject:
        table = data.get("tool", {}).get("sqlgen")
        return [] if table is None else [_checked_source(path, "[tool.sqlgen]", table)]
    return [_checked_source(path, "(top level)", data)]


def _ini_sources(path: Path) -> list[_Source]:
    parser = configparser.ConfigParser(defaults={"here": path.parent.as_posix()})
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, configparser.Error) as exc:
        raise ConfigError(path, str(exc)) from exc
    if not parser.has_section("sqlgen"):
        return []
    given = {k: v for k, v in parser.items("sqlgen") if k != "here"}
    return [_checked_source(path, "[sqlgen]", given)]


def _has_tool_alembic(pyproject: Path) -> bool:
    return pyproject.is_file() and "alembic" in _read_toml(pyproject).get("tool", {})


# --- layout ---------------------------------------------------------------------


def _resolve(root: Path, location: str) -> Path:
    path = Path(location)
    return path if path.is_absolute() else (root / path)


def _resolve_location(root: Path, location: str) -> Path:
    """A directory, or Alembic's `package:folder` resource form."""
    if not os.path.isabs(location) and ":" in location:
        from alembic.util import coerce_resource_to_filename

        return Path(coerce_resource_to_filename(location))
    return _resolve(root, location)


def _layout_from_values(root: Path, values: Mapping[str, Any], source: str) -> Layout:
    return Layout(
        script_location=_resolve_location(root, values["script_location"]),
        version_locations=tuple(
            _resolve_location(root, v) for v in values.get("version_locations", ())
        ),
        recursive_version_locations=bool(values.get("recursive_version_locations", False)),
        prepend_sys_path=tuple(_resolve(root, p) for p in values.get("prepend_sys_path", ())),
        source=source,
    )


def _alembic_values(ini: Path | None, pyproject: Path | None) -> dict[str, Any]:
    """Layout keys as Alembic's own Config reads them (ini first, then [tool.alembic])."""
    from alembic.config import Config
    from alembic.util import CommandError

    config = Config(
        file_=str(ini) if ini else None,
        toml_file=str(pyproject) if pyproject else None,
    )
    source = ini or pyproject
    assert source is not None
    try:
        with warnings.catch_warnings():
            # Alembic warns about legacy path separators; the project is not ours to change.
            warnings.simplefilter("ignore")
            location = config.get_alembic_option("script_location")
            if not location:
                return {}
            return {
                "script_location": location,
                "version_locations": config.get_version_locations_list() or (),
                "recursive_version_locations": config.get_alembic_boolean_option(
                    "recursive_version_locations"
                ),
                "prepend_sys_path": config.get_prepend_sys_paths_list() or (),
            }
    except (CommandError, ValueError, configparser.Error) as exc:
        raise ConfigError(source, str(exc)) from exc


def _merge(sources: list[_Source]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for source in sources:
        for key, value in source.values.items():
            merged.setdefault(key, value)
    return merged


# --- public entry point ---------------------------------------------------------


@dataclass
class _Found:
    """The config sources a project has, and what was looked at to find them."""

    sources: list[_Source] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)
    alembic_ini: Path | None = None
    alembic_toml: Path | None = None


def _discover(root: Path, config_file: Path | None) -> _Found:
    found = _Found()
    if config_file is not None:
        config_file = config_file if config_file.is_absolute() else (Path.cwd() / config_file)
        if not config_file.is_file():
            raise ConfigError(config_file, "no such file")
        found.searched.append(str(config_file))
        if config_file.suffix == ".toml":
            data = _read_toml(config_file)
            tool = data.get("tool", {})
            if "sqlgen" in tool or "alembic" in tool:
                found.sources += _toml_sources(config_file, pyproject=True)
                found.alembic_toml = config_file if "alembic" in tool else None
            else:
                found.sources += _toml_sources(config_file, pyproject=False)
        else:
            found.sources += _ini_sources(config_file)
            found.alembic_ini = config_file
        return found
    pyproject = root / "pyproject.toml"
    sqlgen_toml = root / "sqlgen.toml"
    ini = root / "alembic.ini"
    if pyproject.is_file():
        found.searched.append(f"{pyproject} [tool.sqlgen]")
        found.sources += _toml_sources(pyproject, pyproject=True)
    found.searched.append(str(sqlgen_toml))
    if sqlgen_toml.is_file():
        found.sources += _toml_sources(sqlgen_toml, pyproject=False)
    found.searched.append(str(ini))
    if ini.is_file():
        found.sources += _ini_sources(ini)
        found.alembic_ini = ini
    if _has_tool_alembic(pyproject):
        found.searched.append(f"{pyproject} [tool.alembic]")
        found.alembic_toml = pyproject
    return found


def cache_folder(project: Project) -> Path:
    """Where the rendering cache lives: cache_dir if set, else PROJECT/.sqlgen-cache."""
    configured = project.options.cache_dir
    return configured if configured is not None else project.root / CACHE_FOLDER


def cache_dir_of(
    root: Path, config_file: Path | None, env: Mapping[str, str], override: str | None
) -> Path:
    """Where the rendering cache is, read cheaply: no migrations, no Alembic.

    Command line, then SQLGEN_CACHE_DIR, then the config files, then PROJECT/.sqlgen-cache.
    """
    root = root.resolve()
    value = override or env.get(env_var("cache_dir"))
    if value is None:
        value = _merge(_discover(root, config_file).sources).get("cache_dir")
    return _resolve(root, str(value)) if value else root / CACHE_FOLDER


def load_project(
    root: Path,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Project:
    """Find the project's migrations and settings.

    `overrides` are command-line values (None means "not given"); `env` defaults
    to the process environment.
    """
    root = root.resolve()
    env = os.environ if env is None else env
    found = _discover(root, config_file)
    sources, searched = found.sources, found.searched
    alembic_ini, alembic_toml = found.alembic_ini, found.alembic_toml

    merged = _merge(sources)
    if "script_location" in merged:
        origin = next(s.label for s in sources if "script_location" in s.values)
        layout = _layout_from_values(root, merged, origin)
    elif alembic_ini or alembic_toml:
        values = _alembic_values(alembic_ini, alembic_toml)
        if not values:
            raise NoMigrationsFound(root, searched)
        layout = _layout_from_values(root, values, str(alembic_ini or alembic_toml))
    else:
        raise NoMigrationsFound(root, searched)

    options = _options(root, merged, env, overrides or {})
    files = tuple(dict.fromkeys(s.path for s in sources))
    return Project(root, layout, options, files, alembic_ini, alembic_toml)


def _options(
    root: Path, merged: Mapping[str, Any], env: Mapping[str, str], cli: Mapping[str, Any]
) -> Options:
    values: dict[str, Any] = {k: v for k, v in merged.items() if k in _OPTION_KEYS}
    for key, convert in _OPTION_KEYS.items():
        text = env.get(env_var(key))
        if text is not None:
            try:
                values[key] = convert(text)
            except ValueError as exc:
                raise ConfigError(Path(env_var(key)), f"environment variable: {exc}") from exc
    for key, value in cli.items():
        if value is None or (key == "preload" and not value):
            continue
        values[key] = _OPTION_KEYS[key](value)
    for key in _PATH_OPTIONS:
        if values.get(key) is not None:
            values[key] = _resolve(root, values[key])
    return Options(**values)
