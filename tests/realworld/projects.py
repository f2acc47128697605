"""The pinned projects of the real-world suite: fetch, check, unpack, lay out a harness.

For each project of projects.toml the wheel is downloaded once with
`pip download --no-deps --only-binary=:all: PACKAGE==VERSION` into the cache folder
(`$SQLGEN_REALWORLD_CACHE`, else `$XDG_CACHE_HOME/sqlgen-realworld`, else
`~/.cache/sqlgen-realworld`: outside the source tree), checked against its pinned
sha256, and only its `extract` members are unpacked. Nothing is installed.

A project's working folder in the cache is laid out as

    <cache>/<project>-<version>/
        site/      the unpacked members, with the project's stand-ins copied beside them
        harness/   alembic.ini, env.py, script.py.mako from tests/realworld/harness/<project>

and is rebuilt whenever the wheel, the stand-ins or the harness change, so
`harness/` is an ordinary Alembic project (its alembic.ini points
`version_locations` at `../site/...` and `prepend_sys_path` at `../site`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PROJECTS_FILE = HERE / "projects.toml"
STANDINS = HERE / "standins"
HARNESSES = HERE / "harness"

# the URL each dialect's offline run is configured with (no driver is ever loaded)
URLS: dict[str, str] = {
    "postgresql": "postgresql://",
    "mysql": "mysql://",
    "sqlite": "sqlite://",
    "mssql": "mssql://",
}


class FetchError(RuntimeError):
    """A wheel could not be had, or is not the pinned one."""


@dataclass(frozen=True)
class Project:
    name: str
    package: str
    version: str
    wheel: str
    sha256: str
    extract: tuple[str, ...]
    versions: str
    dialects: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    # extra `sqlgen verify` arguments: how the project runs its engines
    verify: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name}-{self.version}"

    def environment(self, dialect: str) -> dict[str, str]:
        """The project's own configuration variables for a run on `dialect`."""
        return {key: value.format(url=URLS[dialect]) for key, value in self.env.items()}


def load_projects(path: Path = PROJECTS_FILE) -> list[Project]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    projects = []
    for name, spec in data["projects"].items():
        projects.append(
            Project(
                name=name,
                package=spec["package"],
                version=spec["version"],
                wheel=spec["wheel"],
                sha256=spec["sha256"],
                extract=tuple(spec["extract"]),
                versions=spec["versions"],
                dialects=tuple(spec["dialects"]),
                env=dict(spec.get("env", {})),
                verify=tuple(spec.get("verify", ())),
            )
        )
    return projects


def cache_root() -> Path:
    explicit = os.environ.get("SQLGEN_REALWORLD_CACHE")
    if explicit:
        return Path(explicit).resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sqlgen-realworld"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_wheel(project: Project, root: Path, timeout: float = 900) -> Path:
    """The pinned wheel, downloaded on first use and checked against its sha256."""
    wheels = root / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    wheel = wheels / project.wheel
    if not wheel.is_file():
        spec = f"{project.package}=={project.version}"
        argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        argv += ["--disable-pip-version-check", "--quiet", "--dest", str(wheels), spec]
        try:
            proc = subprocess.run(
                argv, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise FetchError(f"pip download {spec}: no answer in {timeout:.0f} s") from exc
        if proc.returncode != 0 or not wheel.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise FetchError(f"pip download {spec} did not give {project.wheel}: {tail[0]}")
    actual = _sha256(wheel)
    if actual != project.sha256:
        raise FetchError(
            f"{wheel} has sha256 {actual}, projects.toml pins {project.sha256}; "
            "delete the file to fetch it again, or update the pin after review"
        )
    return wheel


def _tree_digest(*folders: Path) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _unpack(wheel: Path, members: tuple[str, ...], site: Path) -> int:
    count = 0
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or not any(
                name == m or (m.endswith("/") and name.startswith(m)) for m in members
            ):
                continue
            target = site / name
            if ".." in Path(name).parts:
                raise FetchError(f"{wheel.name}: unsafe member {name!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            count += 1
    if not count:
        raise FetchError(f"{wheel.name}: nothing matched {list(members)}")
    return count


def _copy_standins(source: Path, site: Path) -> None:
    """Copy the stand-ins beside the unpacked members; never over one of them."""
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(source)
        target = site / relative
        if target.exists():
            raise FetchError(f"stand-in {relative} would replace a file of the release")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def prepare(project: Project, root: Path | None = None) -> Path:
    """Fetch and lay out `project`; return its harness folder (an Alembic project)."""
    root = root or cache_root()
    wheel = fetch_wheel(project, root)
    work = root / project.label
    standins = STANDINS / project.name
    harness_source = HARNESSES / project.name
    stamp = hashlib.sha256(
        "\n".join(
            [project.sha256, *project.extract, _tree_digest(standins, harness_source)]
        ).encode()
    ).hexdigest()
    marker = work / ".prepared"
    harness = work / "harness"
    if marker.is_file() and marker.read_text() == stamp:
        return harness
    shutil.rmtree(work, ignore_errors=True)
    site = work / "site"
    site.mkdir(parents=True)
    _unpack(wheel, project.extract, site)
    if not (site / project.versions).is_dir():
        raise FetchError(f"{project.label}: no versions folder {project.versions}")
    _copy_standins(standins, site)
    shutil.copytree(harness_source, harness, ignore=shutil.ignore_patterns("__pycache__"))
    marker.write_text(stamp)
    return harness
