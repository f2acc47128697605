"""The reviewed reasons why sqlgen cannot complete some ranges of the suite (limits.toml)."""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from pathlib import Path

LIMITS_FILE = Path(__file__).resolve().parent / "limits.toml"
KINDS = ("deliberate raise", "upstream bug", "needs an override")


@dataclass(frozen=True)
class Limit:
    id: str
    kind: str
    reason: str
    match: str
    projects: tuple[str, ...]
    dialects: tuple[str, ...]
    directions: tuple[str, ...]

    def explains(self, project: str, dialect: str, direction: str, errors: list[str]) -> bool:
        return (
            any(fnmatch.fnmatch(project, p) for p in self.projects)
            and any(fnmatch.fnmatch(dialect, d) for d in self.dialects)
            and any(fnmatch.fnmatch(direction, d) for d in self.directions)
            and any(self.match in error for error in errors)
        )


def load_limits(path: Path = LIMITS_FILE) -> list[Limit]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    limits = []
    for entry in data.get("limit", []):
        if entry["kind"] not in KINDS:
            raise ValueError(f"{path}: {entry['id']}: kind must be one of {KINDS}")
        limits.append(
            Limit(
                id=entry["id"],
                kind=entry["kind"],
                reason=" ".join(entry["reason"].split()),
                match=entry["match"],
                projects=tuple(entry.get("projects", ["*"])),
                dialects=tuple(entry.get("dialects", ["*"])),
                directions=tuple(entry.get("directions", ["*"])),
            )
        )
    return limits


def explaining(
    limits: list[Limit], project: str, dialect: str, direction: str, errors: list[str]
) -> list[Limit]:
    """The limits that explain why a range failed with `errors`."""
    return [lim for lim in limits if lim.explains(project, dialect, direction, errors)]
