"""Nothing in a migration, a manifest, a lock or a cache makes sqlgen write, replace or
delete a file outside the folder it writes to (issue 15).

Each refusal is one line naming the offending value and where it came from, exit 1,
no traceback, and nothing touched.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

import sqlgen

from .projects import linear, make_project, revision_source

Cli = Callable[..., Result]


# what a run may leave beside its output: the rendering cache, Python's bytecode cache
SIDE_FOLDERS = {".sqlgen-cache", "__pycache__"}


def snapshot(folder: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every entry under `folder` (symlinks not followed): its kind and content or target;
    the rendering cache and bytecode caches left out."""
    seen: dict[str, tuple[str, bytes | str]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in SIDE_FOLDERS]
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                seen[key] = ("link", os.readlink(path))
            elif path.is_dir():
                seen[key] = ("dir", b"")
            else:
                seen[key] = ("file", path.read_bytes())
    return seen


def _one_error(result: Result) -> str:
    """The single `error:` line of a refused run."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def _project(root: Path, files: dict[str, str]) -> Path:
    return make_project(root, files)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return _project(tmp_path / "proj", linear(2))


@pytest.fixture
def out(project: Path, cli: Cli) -> Path:
    out = project / "out"
    for command, spec in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
        result = cli("-p", project, command, spec, "-d", "sqlite", "--per-revision", "-o", out)
        assert result.exit_code == 0, result.stderr
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit_manifest(out: Path, edit: Callable[[dict], None]) -> None:  # type: ignore[type-arg]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    edit(manifest)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


# --- the two attacks of the issue ------------------------------------------------------


def test_a_revision_id_cannot_escape_the_output_folder(tmp_path: Path, cli: Cli) -> None:
    files = linear(1)
    files["0002_escape.py"] = revision_source("../../../../escaped", "aaaa0001")
    project = _project(tmp_path / "a" / "b" / "c" / "proj", files)
    before = snapshot(tmp_path)
    result = cli(
        "-p", project, "upgrade", "base:heads", "-d", "postgresql", "-o", project / "out" / "deep"
    )
    line = _one_error(result)
    assert "0002_escape.py" in line and "'../../../../escaped'" in line
    assert "revision id" in line
    assert snapshot(tmp_path) == before


def test_a_revision_id_in_per_revision_file_names(tmp_path: Path, cli: Cli) -> None:
    files = linear(1)
    files["0002_escape.py"] = revision_source("x/../../escaped", "aaaa0001")
    project = _project(tmp_path / "proj", files)
    result = cli(
        "-p", project, "upgrade", "base:heads", "-d", "sqlite", "--per-revision", "-o",
        project / "out",
    )  # fmt: skip
    line = _one_error(result)
    assert "0002_escape.py" in line and "'x/../../escaped'" in line
    assert not (project / "out").exists()


def test_a_branch_label_must_be_a_plain_name(tmp_path: Path, cli: Cli) -> None:
    files = linear(1)
    files["0002_label.py"] = revision_source(
        "bbbb0002", "aaaa0001", branch_labels=("../../labelled",)
    )
    project = _project(tmp_path / "proj", files)
    line = _one_error(cli("-p", project, "heads"))
    assert "0002_label.py" in line and "branch label '../../labelled'" in line


@pytest.mark.parametrize(
    ("revision", "shown"),
    [
        ("", "''"),
        ("/etc/passwd", "'/etc/passwd'"),
        ("a\\b", "'a\\\\b'"),
        ("tab\there", "'tab\\there'"),
        (".hidden", "'.hidden'"),
        ("é" * 3, "'ééé'"),
        ("a" * 65, "'" + "a" * 65 + "'"),
    ],
)
def test_revision_ids_that_are_not_plain_names_are_refused(
    tmp_path: Path, cli: Cli, revision: str, shown: str
) -> None:
    files = linear(1)
    files["0002_odd.py"] = revision_source(revision, "aaaa0001")
    project = _project(tmp_path / "proj", files)
    line = _one_error(cli("-p", project, "heads"))
    assert "0002_odd.py" in line and shown in line


def test_plain_revision_ids_still_load(tmp_path: Path, cli: Cli) -> None:
    files = linear(1)
    files["0002_plain.py"] = revision_source("2024_01_release.v2", "aaaa0001")
    project = _project(tmp_path / "proj", files)
    result = cli("-p", project, "upgrade", "base:heads", "-d", "sqlite", "--per-revision",
                 "-o", project / "out")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert (project / "out/sqlite/upgrade-base-2024_01_release.v2.sql").is_file()


def test_a_tampered_manifest_cannot_delete_a_file_outside(
    project: Path, out: Path, cli: Cli
) -> None:
    victim = project.parent / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")

    def add(manifest: dict) -> None:  # type: ignore[type-arg]
        entry = dict(manifest["files"][0], path="../../victim.txt", sha256=_sha(victim))
        manifest["files"].append(entry)

    _edit_manifest(out, add)
    before = snapshot(project.parent)
    line = _one_error(
        cli("-p", project, "upgrade", "base:heads", "-d", "sqlite", "--per-revision", "-o", out)
    )
    assert "'../../victim.txt'" in line and str(out / "manifest.json") in line
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert snapshot(project.parent) == before
    # and check does not say ok about it
    assert "'../../victim.txt'" in _one_error(cli("-p", project, "check", "-o", out))


# --- manifests are untrusted input -----------------------------------------------------


def _first_path(manifest: dict) -> str:  # type: ignore[type-arg]
    return str(manifest["files"][0]["path"])


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda m: m["files"][0].update(path="/etc/passwd"), "'/etc/passwd'"),
        (lambda m: m["files"][0].update(path="sqlite/../../x.sql"), "'sqlite/../../x.sql'"),
        (lambda m: m["files"][0].update(path="sqlite\\x.sql"), "'sqlite\\\\x.sql'"),
        (lambda m: m["files"][0].update(path="a\x00b"), "'a\\x00b'"),
        (lambda m: m["files"][0].update(path=""), "''"),
        (lambda m: m["files"][0].update(path=42), "42"),
        (lambda m: m["files"][0].update(path="sqlgen.lock"), "'sqlgen.lock'"),
        (lambda m: m["files"][0].update(sha256=["x"]), "sha256"),
        (lambda m: m["files"].append(dict(m["files"][0])), "duplicate"),
        (lambda m: m.update(files={"a": 1}), "files"),
        (lambda m: m["files"].append("x"), "'x'"),
        (lambda m: m.update(format=99), "format"),
        (lambda m: m.update(upgrade=[]), "upgrade"),
        (lambda m: m["upgrade"].pop("requested"), "requested"),
        (lambda m: m["upgrade"]["options"].update(per_revision="yes"), "per_revision"),
    ],
)
def test_a_damaged_manifest_is_one_line_and_touches_nothing(
    project: Path,
    out: Path,
    cli: Cli,
    damage: Callable[[dict], None],  # type: ignore[type-arg]
    expected: str,
) -> None:
    _edit_manifest(out, damage)
    before = snapshot(project.parent)
    for args in (
        ("upgrade", "base:heads", "-d", "sqlite", "-o", out),
        ("check", "-o", out),
        ("approve", "-o", out, "--by", "Dana"),
    ):
        line = _one_error(cli("-p", project, *args))
        assert str(out / "manifest.json") in line and expected in line, line
        assert snapshot(project.parent) == before


def test_a_manifest_that_is_not_json(project: Path, out: Path, cli: Cli) -> None:
    (out / "manifest.json").write_text("{not json", encoding="utf-8")
    before = snapshot(project.parent)
    line = _one_error(cli("-p", project, "upgrade", "base:heads", "-d", "sqlite", "-o", out))
    assert str(out / "manifest.json") in line and "not a JSON" in line
    assert snapshot(project.parent) == before


def test_a_manifest_path_through_a_symlink(
    project: Path, out: Path, cli: Cli, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "victim.sql"
    victim.write_text("keep me\n", encoding="utf-8")
    (out / "link").symlink_to(elsewhere, target_is_directory=True)

    def add(manifest: dict) -> None:  # type: ignore[type-arg]
        manifest["files"].append(dict(manifest["files"][0], path="link/victim.sql",
                                      sha256=_sha(victim)))  # fmt: skip

    _edit_manifest(out, add)
    before = snapshot(tmp_path)
    line = _one_error(
        cli("-p", project, "upgrade", "base:heads", "-d", "sqlite", "--per-revision", "-o", out)
    )
    assert "'link/victim.sql'" in line and "symlink" in line
    assert snapshot(tmp_path) == before


def test_a_symlinked_folder_in_the_output_is_not_written_through(
    project: Path, cli: Cli, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = project / "out"
    out.mkdir()
    (out / "sqlite").symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(tmp_path)
    line = _one_error(cli("-p", project, "upgrade", "base:heads", "-d", "sqlite", "-o", out))
    assert "'sqlite/upgrade-base-aaaa0002.sql'" in line and "symlink" in line
    assert snapshot(tmp_path) == before


def test_an_output_folder_that_is_a_symlink_is_refused(
    project: Path, cli: Cli, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "out").symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(tmp_path)
    line = _one_error(
        cli("-p", project, "upgrade", "base:heads", "-d", "sqlite", "-o", project / "out")
    )
    assert str(project / "out") in line and "symlink" in line
    assert snapshot(tmp_path) == before


# --- locks are untrusted input ---------------------------------------------------------


@pytest.mark.parametrize(
    ("lock", "expected"),
    [
        ({"format": 1, "approved": [{"path": "../x", "sha256": "0", "by": "a", "on": "b"}]},
         "'../x'"),
        ({"format": 1, "approved": [{"path": "/x", "sha256": "0", "by": "a", "on": "b"}]},
         "'/x'"),
        ({"format": 1, "approved": [{"path": "x", "sha256": 1, "by": "a", "on": "b"}]},
         "sha256"),
        ({"format": 1, "approved": [{"path": "x", "sha256": "0", "by": "a", "on": "b"}] * 2},
         "duplicate"),
        ({"format": 1, "approved": {"x": 1}}, "approved"),
        ({"format": 1, "approved": [], "dropped": [["x"]]}, "dropped"),
        ([1, 2], "unreadable review lock"),
    ],
)  # fmt: skip
def test_a_damaged_lock_is_one_line_and_touches_nothing(
    project: Path, out: Path, cli: Cli, lock: object, expected: str
) -> None:
    (out / "sqlgen.lock").write_text(json.dumps(lock), encoding="utf-8")
    before = snapshot(project.parent)
    for args in (
        ("upgrade", "base:heads", "-d", "sqlite", "-o", out),
        ("check", "-o", out),
        ("approve", "-o", out, "--by", "Dana"),
    ):
        line = _one_error(cli("-p", project, *args))
        assert str(out / "sqlgen.lock") in line and expected in line, line
        assert snapshot(project.parent) == before


def test_a_lock_that_is_a_symlink_is_not_written_through(
    project: Path, out: Path, cli: Cli, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere.lock"
    target.write_text('{"format": 1, "approved": []}\n', encoding="utf-8")
    (out / "sqlgen.lock").symlink_to(target)
    before = snapshot(tmp_path)
    line = _one_error(cli("-p", project, "approve", "-o", out, "--by", "Dana"))
    assert str(out / "sqlgen.lock") in line and "symlink" in line
    assert snapshot(tmp_path) == before


# --- the run memo (cache) is untrusted input, and ignored when damaged -----------------


def test_a_forged_memo_record_is_ignored(project: Path, cli: Cli, tmp_path: Path) -> None:
    out = project / "out"
    args = ("-p", project, "upgrade", "base:heads", "-d", "sqlite", "-o", out)
    assert cli(*args).exit_code == 0
    records = sorted((project / ".sqlgen-cache" / "runs").glob("*.json"))
    assert records, "the run was not remembered"
    for record in records:
        body = json.loads(record.read_text(encoding="utf-8").partition("\n")[2])
        for entry in body["run"]["files"]:
            entry["path"] = "../../forged.sql"
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        record.write_text(f"{digest}\n{text}", encoding="utf-8")
    again = cli(*args)
    assert again.exit_code == 0, again.stderr
    assert "Traceback" not in again.output
    assert not list(tmp_path.rglob("forged.sql"))


# --- bundles ---------------------------------------------------------------------------


def _zip_escapes(archive: Path, into: Path) -> list[str]:
    """The entries of `archive` that would land outside `into` when unpacked."""
    into.mkdir(parents=True, exist_ok=True)
    bad = []
    with zipfile.ZipFile(archive) as zipped:
        for name in zipped.namelist():
            target = (into / name).resolve()
            if (
                name.startswith("/")
                or ".." in name.split("/")
                or into.resolve() not in target.parents
            ):
                bad.append(name)
        zipped.extractall(into)
    return bad


def test_bundle_zip_entries_stay_in_their_folder(project: Path, cli: Cli, tmp_path: Path) -> None:
    bundle = tmp_path / "ticket"
    result = cli("-p", project, "bundle", "base:heads", "-d", "sqlite", "-o", bundle)
    assert result.exit_code in (0, 1), result.stderr  # lint findings may fail the bundle
    archive = tmp_path / "ticket.zip"
    assert archive.is_file(), result.stderr
    unpacked = tmp_path / "unpacked"
    assert _zip_escapes(archive, unpacked) == []
    assert (unpacked / "ticket" / "manifest.json").is_file()
    before = {p.relative_to(unpacked) for p in unpacked.rglob("*")}
    assert all(not str(p).startswith("..") for p in before)


def test_bundle_refuses_a_symlink_in_its_folder(project: Path, cli: Cli, tmp_path: Path) -> None:
    bundle = tmp_path / "ticket"
    assert cli("-p", project, "bundle", "base:heads", "-d", "sqlite", "-o", bundle).exit_code in (
        0,
        1,
    )
    secret = tmp_path / "secret.txt"
    secret.write_text("token\n", encoding="utf-8")
    (bundle / "notes.txt").symlink_to(secret)
    (tmp_path / "ticket.zip").unlink()
    result = cli("-p", project, "bundle", "base:heads", "-d", "sqlite", "-o", bundle)
    assert result.exit_code == 1
    assert "'notes.txt'" in result.stderr and "symlink" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "ticket.zip").exists()


def test_zip_entries_of_a_folder_named_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlgen.files.output import write_zip

    folder = tmp_path / "here"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.sql").write_text("SELECT 1;\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    write_zip(Path("."), tmp_path / "here.zip")
    with zipfile.ZipFile(tmp_path / "here.zip") as zipped:
        assert zipped.namelist() == ["here/sub/a.sql"]


# --- one module decides the paths sqlgen writes ----------------------------------------

PACKAGE = Path(sqlgen.__file__).parent
DECIDER = "sqlgen/files/output.py"
# calls that write, replace or delete a file whatever they are called on
WRITERS = {"unlink", "rmdir", "rmtree", "write_text", "write_bytes", "atomic_write",
           "copyfile", "copytree", "symlink_to", "hardlink_to", "touch"}  # fmt: skip
# ... and those that do on `os.` / `shutil.` (or, renaming, as Path.rename(target))
OS_WRITERS = {"remove", "rename", "replace", "move", "copy", "copy2", "renames"}
# every other place that writes or deletes, and why it is no path a migration, manifest,
# lock or cache decides: (module, enclosing function, call) -> why
ALLOWED = {
    (
        "sqlgen/model/at_revision.py",
        "schema",
        "atomic_write",
    ): "the file named by --file (command line)",
    (
        "sqlgen/model/at_revision.py",
        "schemas",
        "atomic_write",
    ): "--file, or a name output.inside decided",
    ("sqlgen/verify/command.py", "verify", "rmtree"): "verify's own mkdtemp scratch folder",
    ("sqlgen/verify/servers.py", "spawn_as", "open"): "a throwaway server's log, in its folder",
    ("sqlgen/verify/servers.py", "_remove", "rmtree"): "a throwaway server's own folder",
}


def _calls(tree: ast.AST) -> Iterator[tuple[str, str, ast.Call]]:
    """(enclosing function, name called, call) for every call in a module."""

    def visit(node: ast.AST, function: str) -> Iterator[tuple[str, str, ast.Call]]:
        for child in ast.iter_child_nodes(node):
            inner = function
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = child.name
            if isinstance(child, ast.Call):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                yield inner, name, child
            yield from visit(child, inner)

    yield from visit(tree, "<module>")


def _receiver(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id
    return None


def _opens_for_writing(call: ast.Call, name: str) -> bool:
    """open(p, "w"), Path.open("a"), os.open(p, flags), os.fdopen(fd, "wb")..."""
    if name not in ("open", "fdopen"):
        return False
    if _receiver(call) == "os" and name == "open":
        return True  # flags: assume the worst
    method = isinstance(call.func, ast.Attribute) and _receiver(call) != "os"
    modes = call.args[0:1] if method else call.args[1:2]
    modes += [k.value for k in call.keywords if k.arg == "mode"]
    return any(not isinstance(m, ast.Constant) or re.search(r"[wax+]", str(m.value)) for m in modes)


def _writes(call: ast.Call, name: str) -> bool:
    if name in WRITERS or _opens_for_writing(call, name):
        return True
    if name not in OS_WRITERS:
        return False
    if _receiver(call) in ("os", "shutil"):
        return True
    # Path.rename(target) / Path.replace(target); not str.replace(a, b), list.remove(x)
    attribute = isinstance(call.func, ast.Attribute)
    return attribute and name in ("rename", "replace") and len(call.args) == 1


def _writes_outside_the_decider() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = f"sqlgen/{path.relative_to(PACKAGE).as_posix()}"
        if module == DECIDER:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function, name, call in _calls(tree):
            if _writes(call, name) and (module, function, name) not in ALLOWED:
                found.append(f"{module}:{call.lineno} {function}() calls {name}")
    return found


def test_only_output_py_writes_replaces_or_deletes_files() -> None:
    assert _writes_outside_the_decider() == []


def test_the_scan_sees_a_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan above is not blind: a module that writes is reported, one that only
    reads or edits strings is not."""
    fake = tmp_path / "sqlgen"
    fake.mkdir()
    (fake / "sneaky.py").write_text(
        "import os, shutil\n"
        "def f(p, out, items):\n"
        "    p.write_text('x')\n"
        "    (out / 'a').unlink()\n"
        "    os.replace('a', 'b')\n"
        "    open(p, 'w')\n"
        "    p.open('ab')\n"
        "    p.rename(out)\n"
        "    shutil.rmtree(out)\n"
        "    open(p)\n"
        "    p.open('rb')\n"
        "    p.read_text()\n"
        "    'a'.replace('b', 'c')\n"
        "    items.remove(p)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    found = _writes_outside_the_decider()
    assert [f.split(" ", 1)[1] for f in found] == [
        "f() calls write_text",
        "f() calls unlink",
        "f() calls replace",
        "f() calls open",
        "f() calls open",
        "f() calls rename",
        "f() calls rmtree",
    ]


def test_long_revision_ids_still_make_file_names_a_file_system_takes(
    tmp_path: Path, cli: Cli
) -> None:
    r1, b, c, m, x, y = (letter * 64 for letter in "abcdef")
    files = {
        "1.py": revision_source(r1, None),
        "2.py": revision_source(b, r1),
        "3.py": revision_source(c, r1),
        "4.py": revision_source(m, (b, c)),
        "5.py": revision_source(x, m),
        "6.py": revision_source(y, m),
    }
    project = _project(tmp_path / "proj", files)
    out = project / "out"
    result = cli("-p", project, "upgrade", f"{b},{c}:heads", "-d", "sqlite", "-o", out)
    assert result.exit_code == 0, result.stderr
    names = [p.name for p in out.rglob("*.sql")]
    assert names and all(len(name.encode()) <= 255 for name in names)
