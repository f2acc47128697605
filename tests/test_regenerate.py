"""`sqlgen regenerate`: run again what the manifest records; `check`'s report after a new
head (drift lines first, the manifest diff last and short); approvals --force drops."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from .projects import revision_source

Cli = Callable[..., Result]
HEAD = "c5a1e7b9d312"
NEW_HEAD = "f00d00000013"


@pytest.fixture
def project(example_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "shop"
    shutil.copytree(example_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


COMMANDS = (
    ("upgrade", "base:heads", "-d", "postgresql", "-d", "sqlite", "--per-revision",
     "--server-version", "14"),
    ("downgrade", "heads:base", "-d", "sqlite", "--data-reads", "empty",
     "--server-version", "14"),
)  # fmt: skip


def _generate(cli: Cli, project: Path, out: Path) -> None:
    for command in COMMANDS:
        result = cli("-p", project, *command, "-o", out)
        assert result.exit_code == 0, result.stderr


def _new_head(project: Path) -> None:
    source = revision_source(
        NEW_HEAD,
        HEAD,
        "op.add_column('customers', sa.Column('nickname', sa.String(40)))",
        "op.drop_column('customers', 'nickname')",
    )
    (project / "migrations" / "versions" / "0013_nickname.py").write_text(source)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.sql")} | {
        "manifest.json": (folder / "manifest.json").read_bytes()
    }


def test_regenerate_runs_again_what_the_manifest_records(
    cli: Cli, project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _generate(cli, project, out)
    _new_head(project)
    assert cli("-p", project, "check", "-o", out).exit_code == 1

    result = cli("-p", project, "regenerate", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert f"wrote {out / 'postgresql' / f'upgrade-base-{NEW_HEAD}.sql'}" in result.stdout
    checked = cli("-p", project, "check", "-o", out)
    assert checked.exit_code == 0, checked.output

    # exactly what the same commands write into a fresh folder
    fresh = tmp_path / "fresh"
    _generate(cli, project, fresh)
    assert _tree(out) == _tree(fresh)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["upgrade"]["options"]["server_version"] == "14"
    assert manifest["downgrade"]["options"]["data_reads"] == "empty"


def test_regenerate_one_dialect_and_json(cli: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _generate(cli, project, out)
    _new_head(project)
    result = cli("-p", project, "regenerate", "-o", out, "-d", "sqlite", "--json")
    assert result.exit_code == 0, result.stderr
    runs = json.loads(result.stdout)
    assert [r["direction"] for r in runs] == ["upgrade", "downgrade"]
    assert all("/postgresql/" not in f for r in runs for f in r["files"])
    # postgresql was not regenerated: check still sees it drift, sqlite alone is fine
    assert cli("-p", project, "check", "-o", out, "-d", "sqlite").exit_code == 0
    assert cli("-p", project, "check", "-o", out).exit_code == 1


def test_regenerate_replays_recorded_settings_and_refuses_others(
    cli: Cli, project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _generate(cli, project, out)
    other = cli("-p", project, "regenerate", "-o", out, "--server-version", "16")
    assert other.exit_code == 2
    assert "--server-version 16:" in other.stderr and "records '14'" in other.stderr
    same = cli("-p", project, "check", "-o", out, "--server-version", "14")
    assert same.exit_code == 0, same.output
    missing = cli("-p", project, "check", "-o", out, "-d", "mysql")
    assert missing.exit_code == 2 and "records no run for it" in missing.stderr


def test_check_lists_drift_first_and_the_manifest_diff_last_and_short(
    cli: Cli, project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _generate(cli, project, out)
    _new_head(project)
    result = cli("-p", project, "check", "-o", out)
    assert result.exit_code == 1
    text = result.output  # stdout and stderr, in the order written
    drift = [line for line in text.splitlines() if line.startswith("error: drift:")]
    assert len(drift) > 20
    manifest_diff = text.index("--- manifest.json (on disk)")
    assert text.index(drift[-1]) < manifest_diff  # every drift line before the diff
    shown = text[manifest_diff:].splitlines()
    assert "more line(s) of the manifest.json diff (--diff shows them all)" in shown[-2]
    assert len(shown) < 30
    assert shown[-1].startswith("error: ") and "sqlgen regenerate" in shown[-1]

    full = cli("-p", project, "check", "-o", out, "--diff")
    assert "--diff shows them all" not in full.output
    assert len(full.output[full.output.index("--- manifest.json") :].splitlines()) > 100


def test_check_shows_file_diffs_before_the_manifest_diff(
    cli: Cli, project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _generate(cli, project, out)
    script = project / "migrations/versions/0007_product_search.py"
    script.write_text(script.read_text().replace("Gift voucher (10%)", "Gift voucher (15%)"))
    text = cli("-p", project, "check", "-o", out).output
    manifest_diff = text.index("--- manifest.json (on disk)")
    assert text.rindex("error: drift:") < text.index("--- ") < manifest_diff
    assert text.index("+UPDATE products SET name = 'Gift voucher (15%)'") < manifest_diff


def test_force_says_which_approvals_it_dropped_and_check_reports_them(
    cli: Cli, project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _generate(cli, project, out)
    assert cli("-p", project, "approve", "--by", "Dana", "-o", out).exit_code == 0
    script = project / "migrations/versions/0007_product_search.py"
    script.write_text(script.read_text().replace("Gift voucher (10%)", "Gift voucher (15%)"))

    forced = cli("-p", project, "upgrade", "base:heads", "-d", "postgresql", "-d", "sqlite",
                 "--per-revision", "--server-version", "14", "-o", out, "--force")  # fmt: skip
    assert forced.exit_code == 0, forced.stderr
    whole = f"postgresql/upgrade-base-{HEAD}.sql"
    assert f"note: --force dropped the approval of {whole} (by Dana on" in forced.stderr

    checked = cli("-p", project, "check", "-o", out)
    assert checked.exit_code == 1
    assert f"error: drift: {whole}: no longer approved: the approval by Dana on" in checked.stderr
    as_json = json.loads(cli("-p", project, "check", "-o", out, "--json").stdout)
    assert {d["path"] for d in as_json["drifts"] if d["kind"] == "unapproved"} >= {whole}

    # approved again: nothing to report
    assert cli("-p", project, "approve", "--by", "Dana", "-o", out).exit_code == 0
    again = cli("-p", project, "check", "-o", out)
    assert again.exit_code == 0, again.output
    assert "dropped" not in json.loads((out / "sqlgen.lock").read_text())


def test_check_and_regenerate_replay_the_recorded_x(
    cli: Cli, project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    made = cli("-p", project, "upgrade", "base:heads", "-d", "sqlite", "-x", "tenant=a", "-o", out)
    assert made.exit_code == 0, made.stderr
    assert cli("-p", project, "check", "-o", out).exit_code == 0
    assert cli("-p", project, "regenerate", "-o", out).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["upgrade"]["options"]["environment"]["x"] == ["tenant=a"]
