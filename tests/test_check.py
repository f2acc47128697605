"""`sqlgen check` (drift), `sqlgen approve` (review lock) and regeneration with approvals."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Cli = Callable[..., Result]
HEAD = "c5a1e7b9d312"


@pytest.fixture
def project(example_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the example project (tests edit its migrations)."""
    copy = tmp_path / "shop"
    shutil.copytree(example_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def out(project: Path, cli: Cli) -> Path:
    out = project / "sql"
    for command, spec in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
        result = cli("-p", project, command, spec, "-d", "postgresql", "-d", "sqlite",
                     "--per-revision", "-o", out)  # fmt: skip
        assert result.exit_code == 0, result.stderr
    return out


def test_fresh_output_passes(cli: Cli, project: Path, out: Path) -> None:
    result = cli("-p", project, "check", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok: 52 file(s) in {out} match the migrations\n"


def test_committed_example_output_passes(cli: Cli, example_dir: Path) -> None:
    from .conftest import REPO

    result = cli("-p", example_dir, "check", "-o", REPO / "output")
    assert result.exit_code == 0, result.output


def test_an_edited_migration_is_drift(cli: Cli, project: Path, out: Path) -> None:
    script = project / "migrations/versions/0007_product_search.py"
    script.write_text(script.read_text().replace("Gift voucher (10%)", "Gift voucher (15%)"))
    result = cli("-p", project, "check", "-o", out)
    assert result.exit_code == 1
    assert (
        "-UPDATE products SET name = 'Gift voucher (10%)' WHERE sku = 'GIFT-10';" in result.stdout
    )
    assert (
        "+UPDATE products SET name = 'Gift voucher (15%)' WHERE sku = 'GIFT-10';" in result.stdout
    )
    assert f"error: drift: postgresql/upgrade-base-{HEAD}.sql: differs" in result.stderr
    assert "manifest.json: differs" in result.stderr  # the checksums moved too


def test_an_edited_sql_file_is_drift(cli: Cli, project: Path, out: Path) -> None:
    target = out / "sqlite" / f"downgrade-{HEAD}-base.sql"
    target.write_text(target.read_text().replace("DROP TABLE customers;", "-- kept"))
    result = cli("-p", project, "check", "-o", out)
    assert result.exit_code == 1
    assert "--- sqlite/downgrade-c5a1e7b9d312-base.sql (on disk)" in result.stdout
    assert "+DROP TABLE customers;" in result.stdout
    assert result.stderr.count("error: drift:") == 1


def _other_generator(out: Path, **versions: str) -> None:
    """Rewrite manifest.json as if made with other library versions, as sqlgen writes it."""
    from sqlgen.files.output import manifest_text

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["generator"].update(versions)
    (out / "manifest.json").write_text(manifest_text(manifest), encoding="utf-8")


def test_other_library_versions_alone_are_a_note(cli: Cli, project: Path, out: Path) -> None:
    """Identical SQL made with another sqlglot is no drift: CI stays green on a library
    upgrade that changes nothing; --strict-versions makes it fail."""
    _other_generator(out, sqlglot="1.2.3", alembic="0.0.1")
    result = cli("-p", project, "check", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok: 52 file(s) in {out} match the migrations\n"
    import alembic
    import sqlglot

    assert result.stderr == (
        f"note: manifest.json: made with other library versions (alembic 0.0.1 -> "
        f"{alembic.__version__}, sqlglot 1.2.3 -> {sqlglot.__version__}); the SQL files "
        "and the rest of the manifest match\n"
    )
    report = json.loads(cli("-p", project, "check", "-o", out, "--json").stdout)
    assert report["ok"] is True and report["drifts"] == []
    assert [n["kind"] for n in report["notes"]] == ["versions"]
    strict = cli("-p", project, "check", "-o", out, "--strict-versions")
    assert strict.exit_code == 1
    assert "error: drift: manifest.json: made with other library versions" in strict.stderr


def test_other_library_versions_do_not_hide_other_drift(cli: Cli, project: Path, out: Path) -> None:
    _other_generator(out, sqlglot="1.2.3")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"][0]["sha256"] = "0" * 64  # a meaningful part of it
    from sqlgen.files.output import manifest_text

    (out / "manifest.json").write_text(manifest_text(manifest), encoding="utf-8")
    # the SQL files are as rendered: only the manifest differs, beyond its versions
    result = cli("-p", project, "check", "-o", out)
    assert result.exit_code == 1
    assert "error: drift: manifest.json: differs from a fresh rendering" in result.stderr
    assert "note:" not in result.stderr


def test_a_deleted_file_is_drift(cli: Cli, project: Path, out: Path) -> None:
    (out / "postgresql" / f"upgrade-base-{HEAD}" / "0003-a7d93e6f1c03.sql").unlink()
    result = cli("-p", project, "check", "-o", out, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["drifts"] == [
        {
            "path": f"postgresql/upgrade-base-{HEAD}/0003-a7d93e6f1c03.sql",
            "kind": "missing",
            "detail": "missing on disk",
        }
    ]


def test_no_manifest_is_a_clear_failure(cli: Cli, project: Path, tmp_path: Path) -> None:
    result = cli("-p", project, "check", "-o", tmp_path / "empty")
    assert result.exit_code == 1
    assert "no sqlgen manifest here" in result.stderr


def test_approve_records_checksums_and_reviewer(cli: Cli, project: Path, out: Path) -> None:
    result = cli("-p", project, "approve", "--by", "Dana DBA", "-o", out)
    assert result.exit_code == 0, result.stderr
    lock = json.loads((out / "sqlgen.lock").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    assert {a["path"]: a["sha256"] for a in lock["approved"]} == {
        f["path"]: f["sha256"] for f in manifest["files"]
    }
    assert {a["by"] for a in lock["approved"]} == {"Dana DBA"}
    assert len(result.stdout.splitlines()) == 52


def test_approve_a_range_only(cli: Cli, project: Path, out: Path) -> None:
    result = cli("-p", project, "approve", "3c1f0a9d2b11:a7d93e6f1c03", "--by", "Ann", "-o", out)
    assert result.exit_code == 0, result.stderr
    paths = [a["path"] for a in json.loads((out / "sqlgen.lock").read_text())["approved"]]
    # the per-revision files of the two revisions, for both dialects and directions
    assert len(paths) == 8
    assert all("8e4b7c2a5d02" in p or "a7d93e6f1c03" in p for p in paths)


def test_an_edited_file_cannot_be_approved(cli: Cli, project: Path, out: Path) -> None:
    target = out / "postgresql" / f"upgrade-base-{HEAD}.sql"
    target.write_text(target.read_text() + "-- tweak\n")
    result = cli("-p", project, "approve", "--by", "Ann", "-o", out)
    assert result.exit_code == 1
    assert "edited since sqlgen wrote it" in result.stderr
    assert not (out / "sqlgen.lock").exists()


def test_the_lock_refuses_an_overwrite_and_check_fails(cli: Cli, project: Path, out: Path) -> None:
    assert cli("-p", project, "approve", "--by", "Dana", "-o", out).exit_code == 0
    script = project / "migrations/versions/0007_product_search.py"
    script.write_text(script.read_text().replace("Gift voucher (10%)", "Gift voucher (15%)"))
    before = (out / "postgresql" / f"upgrade-base-{HEAD}.sql").read_bytes()

    refused = cli("-p", project, "upgrade", "base:heads", "-d", "postgresql", "-o", out)
    assert refused.exit_code == 1
    assert f"postgresql/upgrade-base-{HEAD}.sql was approved by Dana on" in refused.stderr
    assert "rerun with --force" in refused.stderr
    assert (out / "postgresql" / f"upgrade-base-{HEAD}.sql").read_bytes() == before

    checked = cli("-p", project, "check", "-o", out)
    assert checked.exit_code == 1
    assert "approved by Dana on" in checked.stderr and "and would change" in checked.stderr

    forced = cli("-p", project, "upgrade", "base:heads", "-d", "postgresql", "-o", out, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "Gift voucher (15%)" in (out / "postgresql" / f"upgrade-base-{HEAD}.sql").read_text()
    approved = {a["path"] for a in json.loads((out / "sqlgen.lock").read_text())["approved"]}
    assert f"postgresql/upgrade-base-{HEAD}.sql" not in approved  # needs a new review
    assert f"sqlite/upgrade-base-{HEAD}.sql" in approved  # untouched approvals stay


def test_an_unreadable_lock_is_an_error(cli: Cli, project: Path, out: Path) -> None:
    (out / "sqlgen.lock").write_text("{not json")
    result = cli("-p", project, "upgrade", "base:heads", "-d", "postgresql", "-o", out)
    assert result.exit_code == 1
    assert "unreadable review lock" in result.stderr


def test_check_and_bundle_on_the_synthetic_corpus(
    corpus: Callable[[int], Path], cli: Cli, tmp_path: Path
) -> None:
    root = tmp_path / "corpus"
    shutil.copytree(corpus(200), root)
    out = root / "sql"
    dialects = ("-d", "postgresql", "-d", "mysql", "-d", "mssql", "-d", "oracle")
    for command, spec in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
        assert cli("-p", root, command, spec, *dialects, "-o", out).exit_code == 0
    assert cli("-p", root, "check", "-o", out).exit_code == 0
    history = json.loads(cli("-p", root, "history", "--json").stdout)
    edited = root / history[100]["path"]
    edited.write_text(
        edited.read_text().replace(
            "def upgrade():\n",
            "def upgrade():\n    op.execute(\"UPDATE tbl_1 SET name = 'x' WHERE id = 0\")\n",
            1,
        )
    )
    drift = cli("-p", root, "check", "-o", out)
    assert drift.exit_code == 1
    assert "+UPDATE tbl_1 SET name = 'x' WHERE id = 0;" in drift.stdout
    start = history[40]["revision"]
    ticket = tmp_path / "ticket"
    assert (
        cli("-p", root, "bundle", f"{start}:heads", "-d", "postgresql", "-o", ticket).exit_code == 0
    )
    review = (ticket / "REVIEW.md").read_text()
    assert "## Rollback" in review and "DROP TABLE" in review
