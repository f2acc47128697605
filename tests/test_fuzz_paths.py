"""Fuzzing what a pull request controls: revision ids, branch labels and messages, and
the output folder's manifest.json and sqlgen.lock (issue 15).

Bounded and deterministic (a fixed seed, a fixed number of cases: a few seconds). After
every run: nothing outside the output folder changed (a snapshot of the folders around
it, decoy files included), no traceback, and a failure is `error:` lines and exit 1.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sqlgen.cli import main

from .projects import linear, make_project, revision_source
from .test_path_security import snapshot

SEED = 15
ID_CASES = 45
DAMAGE_CASES = 80

# pieces random names are made of: plain, separators, climbing, unicode, control, long
PIECES = [
    "a1b2c3", "ffff", "x", "_", "-", ".", "..", "../", "/", "\\", "@", "+", ":", " ", "~",
    "é", "名前", "\u202e", "\u200b", "\x00", "\n", "\t", "\x1b[31m", "\x7f", "%2e%2e%2f",
    "C:", "a" * 70, "b" * 300, "../../../../escaped", "/tmp/escaped", "sqlgen.lock",
]  # fmt: skip


def _random_name(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def _assert_clean(result: Result, case: str) -> None:
    """Exit 0, or exit 1 with nothing but one-line `error:` problems; never a traceback."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{case}: {type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output, case
    assert result.exit_code in (0, 1), (case, result.exit_code, result.output)
    for line in result.stderr.splitlines():
        assert line.startswith(("error: ", "warning: ", "note: ")), (case, result.stderr)
    if result.exit_code == 1:
        assert result.stderr.startswith("error: "), (case, result.stderr)


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """(root, out): out is root/a/b/out, with decoys around it that must never change."""
    root = tmp_path / "root"
    out = root / "a" / "b" / "out"
    out.parent.mkdir(parents=True)
    for decoy in (root / "decoy.txt", root / "a" / "decoy.sql", out.parent / "escaped.sql"):
        decoy.write_text(f"decoy {decoy.name}\n", encoding="utf-8")
    return root, out


def _outside(root: Path, out: Path) -> dict[str, Any]:
    """The snapshot of `root` without what lies in `out`."""
    prefix = out.relative_to(root).as_posix()
    return {
        k: v for k, v in snapshot(root).items() if k != prefix and not k.startswith(prefix + "/")
    }


def test_random_revision_ids_labels_and_messages(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    root, out = layout
    rng = random.Random(SEED)
    refused = 0
    for number in range(ID_CASES):
        files = linear(1)
        kind = ("revision", "label", "message")[number % 3]
        name = _random_name(rng)
        if kind == "revision":
            source = revision_source(name, "aaaa0001")
        elif kind == "label":
            source = revision_source("bbbb0002", "aaaa0001", branch_labels=(name,))
        else:  # a docstring: anything but its own closing quotes (and escapes)
            message = name.replace('"', "'").replace("\\", "/")
            source = revision_source("bbbb0002", "aaaa0001", message=message)
        files["0002_fuzz.py"] = source
        project = make_project(tmp_path / f"proj{number}", files)
        before = _outside(root, out)
        for args in (
            ("upgrade", "base:heads", "-d", "sqlite", "--per-revision", "-o", out),
            ("downgrade", "heads:base", "-d", "sqlite", "-o", out),
        ):
            result = _run("-p", project, *args)
            case = f"case {number} ({kind} {name!r}): {args[0]}"
            _assert_clean(result, case)
            refused += result.exit_code == 1
            assert _outside(root, out) == before, case
        shutil.rmtree(out, ignore_errors=True)
    assert refused > 0  # the cases do reach the refusals


# --- damaged manifests and locks -------------------------------------------------------

HOSTILE_VALUES: list[Any] = [
    None, True, 0, -1, 1.5, "", "x", [], {}, [[]], {"a": {}}, "../decoy.sql",
    "../../../decoy.txt", "/etc/passwd", "sqlite/../../escaped.sql", "link/x.sql", "a\x00b",
    "sqlgen.lock", "manifest.json", "é/名.sql", "c" * 400, "sqlite\\..\\..\\x.sql",
]  # fmt: skip


def _nodes(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path (keys and indexes) of every node of a JSON document."""
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _nodes(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _nodes(value, (*path, index))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


def _damaged_json(data: Any, rng: random.Random, decoys: dict[str, str]) -> Any:
    """`data` with one random, hostile change."""
    data = json.loads(json.dumps(data))
    paths = [p for p in _nodes(data) if p]
    target = rng.choice(paths)
    parent, key = _parent(data, target), target[-1]
    how = rng.randrange(5)
    if how == 0:
        parent[key] = rng.choice(HOSTILE_VALUES)
    elif how == 1:
        del parent[key]
    elif how == 2 and isinstance(parent, list):
        parent.append(json.loads(json.dumps(parent[key])))  # a duplicate entry
    elif how == 3:  # the attack: an entry naming a file outside, with that file's sha256
        files = data.get("files") or data.get("approved")
        if isinstance(files, list) and files and isinstance(files[0], dict):
            name, sha = rng.choice(sorted(decoys.items()))
            files.append(dict(files[0], path=name, sha256=sha))
    else:
        parent[key] = {"deep": [[[[rng.choice(HOSTILE_VALUES)]]]]}
    return data


def _damaged_bytes(text: bytes, rng: random.Random) -> bytes:
    how = rng.randrange(4)
    if how == 0:
        return text[: rng.randrange(len(text))]
    if how == 1:
        at = rng.randrange(len(text))
        return text[:at] + bytes([rng.randrange(256)]) + text[at + 1 :]
    if how == 2:
        return b"\xff\xfe" + text
    return b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def generated(tmp_path: Path, layout: tuple[Path, Path]) -> tuple[Path, Path, Path]:
    """(project, out, pristine): out generated and approved, and a copy of it."""
    _, out = layout
    project = make_project(tmp_path / "proj", linear(3))
    for args in (
        ("upgrade", "base:heads", "-d", "sqlite", "--per-revision", "-o", out),
        ("downgrade", "heads:base", "-d", "sqlite", "-o", out),
        ("approve", "-o", out, "--by", "fuzz"),
    ):
        result = _run("-p", project, *args)
        assert result.exit_code == 0, result.output
    pristine = tmp_path / "pristine"
    shutil.copytree(out, pristine, symlinks=True)
    return project, out, pristine


COMMANDS: list[Callable[[Path], tuple[str | Path, ...]]] = [
    lambda out: ("upgrade", "base:heads", "-d", "sqlite", "--per-revision", "-o", out),
    lambda out: ("upgrade", "base:heads", "-d", "sqlite", "-o", out, "--force"),
    lambda out: ("downgrade", "heads:base", "-d", "sqlite", "-o", out),
    lambda out: ("check", "-o", out),
    lambda out: ("approve", "-o", out, "--by", "fuzz"),
    lambda out: ("regenerate", "-o", out, "--force"),
]


def test_randomly_damaged_manifests_and_locks(
    layout: tuple[Path, Path], generated: tuple[Path, Path, Path]
) -> None:
    root, _ = layout
    project, out, pristine = generated
    rng = random.Random(SEED)
    decoys = {
        "../decoy.sql": hashlib.sha256((root / "a" / "decoy.sql").read_bytes()).hexdigest(),
        "../../../decoy.txt": hashlib.sha256((root / "decoy.txt").read_bytes()).hexdigest(),
        "../escaped.sql": hashlib.sha256((out.parent / "escaped.sql").read_bytes()).hexdigest(),
    }
    refused = 0
    for number in range(DAMAGE_CASES):
        shutil.rmtree(out)
        shutil.copytree(pristine, out, symlinks=True)
        name = rng.choice(["manifest.json", "sqlgen.lock"])
        file = out / name
        if rng.random() < 0.25:
            file.write_bytes(_damaged_bytes(file.read_bytes(), rng))
        else:
            data = _damaged_json(json.loads(file.read_text(encoding="utf-8")), rng, decoys)
            file.write_text(json.dumps(data), encoding="utf-8")
        if rng.random() < 0.15:  # a folder of the output that leads elsewhere
            shutil.rmtree(out / "sqlite")
            (out / "sqlite").symlink_to(root / "a", target_is_directory=True)
        args = rng.choice(COMMANDS)(out)
        before = _outside(root, out)
        result = _run("-p", project, *args)
        case = f"case {number}: {name} damaged, {args[0]}"
        _assert_clean(result, case)
        refused += result.exit_code == 1
        assert _outside(root, out) == before, case
    assert refused > DAMAGE_CASES // 2  # most damage is refused, not slipped past
