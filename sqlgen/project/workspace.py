"""A loaded project: its settings, revision scripts, graph and dialect profiles."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import Script

from sqlgen.dialects.profiles import Profile, find_profile, load_profiles
from sqlgen.errors import NoMigrationsFound, UnknownDialect, UsageError
from sqlgen.project.config import Project, cache_folder, load_project
from sqlgen.project.graph import RevisionGraph
from sqlgen.project.script_index import ScriptIndex
from sqlgen.project.scripts import load_scripts, prepare_imports
from sqlgen.runtime.envpy import Environment, project_config, run_env_py
from sqlgen.runtime.runner import dialect_available


@dataclass(frozen=True)
class Workspace:
    """A loaded project: settings, revision scripts and their graph."""

    project: Project
    scripts: list[Script]
    graph: RevisionGraph
    # what the migrations run in: the project's Config and, once run, env.py's configure()
    environment: Environment

    @property
    def cache_folder(self) -> Path:
        """Where the rendering cache lives: cache_dir if set, else PROJECT/.sqlgen-cache."""
        return cache_folder(self.project)

    def relative(self, path: str | Path) -> str:
        """A path as shown to users and written to files: relative to the project."""
        relative = os.path.relpath(Path(path), self.project.root)
        return Path(relative).as_posix()


def open_project(
    root: Path,
    config_file: Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    index_scripts: bool = False,
    run_env: bool = True,
    x_arguments: Sequence[str] = (),
    empty_ok: bool = False,
) -> Workspace:
    """`index_scripts`: use (and update) the cache's index of revision files, so
    files unchanged since an earlier run are executed only if a revision is run.

    `run_env`: run the project's env.py offline first, as `alembic upgrade --sql`
    does before it loads the revisions (commands that only read the graph pass
    False, as Alembic's `history` does not run it), unless the project's `env_py`
    setting is "skip". `x_arguments`: Alembic's `-x` values. `empty_ok`: a project
    without any revision yet is a workspace with none (for `revision`), not an error.
    """
    project = load_project(root, config_file, env=env, overrides=overrides)
    prepare_imports(project.layout, project.options.preload)
    config = project_config(project.alembic_ini, project.alembic_toml, x_arguments)
    environment = Environment(config)
    if run_env and project.options.env_py == "run":
        environment = run_env_py(config, project.layout.script_location, project.root)
    index = ScriptIndex(cache_folder(project)) if index_scripts else None
    scripts = load_scripts(project.layout, index, empty_ok=empty_ok)
    return Workspace(project, scripts, RevisionGraph(scripts), environment)


def profiles(project: Project | None) -> dict[str, Profile]:
    """The built-in profiles, with the project's own folder added over them."""
    folders = [project.options.dialects] if project and project.options.dialects else []
    return load_profiles(folders)


def resolve_dialects(workspace: Workspace, names: Sequence[str]) -> list[Profile]:
    if not names:
        raise UsageError("no dialect given; pass --dialect NAME (repeatable) or --all-dialects")
    known = profiles(workspace.project)
    chosen: dict[str, Profile] = {}
    for name in names:
        profile = find_profile(name, known)
        chosen.setdefault(profile.name, profile)
    return list(chosen.values())


@dataclass(frozen=True)
class Engine:
    """One database of a project whose env.py migrates several (Alembic's multidb template)."""

    name: str  # its run_migrations(engine_name=...), else its position: 1, 2, ...
    environment: Environment  # the project's, with this database's configure() only
    profile: Profile | None  # the dialect of its url; None when it names none sqlgen knows


def engines(workspace: Workspace) -> list[Engine]:
    """The databases env.py migrates one after the other; none when it migrates one.

    Each renders for the dialect of its own url, as `alembic upgrade --sql` does;
    one whose url names no dialect sqlgen knows renders for every requested dialect.
    """
    environment = workspace.environment
    if len(environment.runs) <= 1:
        return []
    known = profiles(workspace.project)
    return [
        Engine(name, environment.engine(index), _profile_of(run.backend, known))
        for index, (name, run) in enumerate(
            zip(environment.engine_names(), environment.runs, strict=True)
        )
    ]


def _profile_of(backend: str | None, known: Mapping[str, Profile]) -> Profile | None:
    """The profile for a url's backend (`postgresql`, `mysql`, ...): by its SQLAlchemy
    name first, then by name or alias."""
    if backend is None:
        return None
    for profile in known.values():
        if profile.sqlalchemy.split("+")[0].lower() == backend:
            return profile
    try:
        return find_profile(backend, known)
    except UnknownDialect:
        return None


def all_dialects(workspace: Workspace) -> tuple[list[str], list[Profile]]:
    """(every dialect whose SQLAlchemy dialect is installed here, the profiles that are not).

    A project of several databases, each of a known dialect: those dialects only.
    """
    available: list[Profile] = []
    missing: list[Profile] = []
    own = {e.profile.name if e.profile else None for e in engines(workspace)}
    for profile in profiles(workspace.project).values():
        if own and None not in own and profile.name not in own:
            continue
        (available if dialect_available(profile) else missing).append(profile)
    return [p.name for p in available], missing


@dataclass(frozen=True)
class DialectInfo:
    profile: Profile
    installed: bool

    def as_json(self) -> dict[str, Any]:
        p = self.profile
        return {
            "name": p.name,
            "aliases": list(p.aliases),
            "description": p.description,
            "sqlalchemy": p.sqlalchemy,
            "package": p.package,
            "extra": p.extra,
            "install": f"pip install 'sqlgen[{p.extra}]'" if p.extra else None,
            "installed": self.installed,
            "sqlglot": p.sqlglot,
            "transactional_ddl": p.transactional_ddl,
            "verify": p.verify,
            "source": p.source,
        }


def dialect_table(root: Path, config_file: Path | None = None) -> list[DialectInfo]:
    """Every profile, with whether its SQLAlchemy dialect can be imported here.

    Outside a project only the built-in profiles are listed.
    """
    try:
        project: Project | None = load_project(root, config_file)
    except NoMigrationsFound:
        project = None
    return [DialectInfo(p, dialect_available(p)) for p in profiles(project).values()]
