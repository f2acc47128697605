"""`sqlgen lint` from the command line: formats, exit codes, suppression and configuration."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from .projects import make_project, revision_source

Cli = Callable[..., Result]

BASE = revision_source(
    "base0001",
    None,
    upgrade="""
        op.create_table('accounts', sa.Column('id', sa.Integer, primary_key=True),
                        sa.Column('legacy', sa.String(10)))
    """,
    downgrade="op.drop_table('accounts')",
)


def _project(root: Path, upgrade: str, downgrade: str = "pass", config: str = "") -> Path:
    project = make_project(
        root,
        {
            "0001_base.py": BASE,
            "0002_change.py": revision_source(
                "chng0002", "base0001", upgrade=upgrade, downgrade=downgrade
            ),
        },
        config=None,
    )
    (project / "pyproject.toml").write_text(
        f'[tool.sqlgen]\nscript_location = "migrations"\n{config}'
    )
    return project


DROP = "op.drop_column('accounts', 'legacy')"
ADD_BACK = "op.add_column('accounts', sa.Column('legacy', sa.String(10)))"


def test_error_findings_exit_1_and_text_names_rule_file_and_line(tmp_path: Path, cli: Cli) -> None:
    project = _project(tmp_path, DROP, ADD_BACK)
    result = cli("-p", project, "lint", "base0001:heads", "-d", "postgresql")
    assert result.exit_code == 1
    assert "migrations/versions/0002_change.py:" in result.stdout
    assert "SG102" in result.stdout and "drops column accounts.legacy" in result.stdout
    assert "\x1b[" not in result.stdout  # no color when not on a terminal


def test_fail_on_and_a_clean_range(tmp_path: Path, cli: Cli) -> None:
    project = _project(
        tmp_path,
        "op.create_index('ix_accounts_legacy', 'accounts', ['legacy'])",
        "op.drop_index('ix_accounts_legacy', table_name='accounts')",
    )
    # SG201 (index without CONCURRENTLY) is a warning: it fails only with --fail-on warning
    assert cli("-p", project, "lint", "base0001:heads", "-d", "postgresql").exit_code == 0
    failing = cli(
        "-p", project, "lint", "base0001:heads", "-d", "postgresql", "--fail-on", "warning"
    )
    assert failing.exit_code == 1 and "SG201" in failing.stdout
    # on MySQL no PostgreSQL locking rule applies
    quiet = cli("-p", project, "lint", "base0001:heads", "-d", "mysql", "--fail-on", "info")
    assert quiet.exit_code == 0, quiet.stdout


def test_usage_errors_exit_2(tmp_path: Path, cli: Cli) -> None:
    project = _project(tmp_path, DROP, ADD_BACK)
    assert cli("-p", project, "lint", "base0001:heads").exit_code == 2  # no dialect
    assert (
        cli("-p", project, "lint", "base0001:heads", "-d", "pg", "--format", "xml").exit_code == 2
    )
    assert cli("-p", project, "lint", "nope:heads", "-d", "pg").exit_code == 2


@pytest.mark.parametrize("report_format", ["json", "sarif", "markdown"])
def test_machine_formats(tmp_path: Path, cli: Cli, report_format: str) -> None:
    project = _project(tmp_path, DROP, ADD_BACK)
    result = cli("-p", project, "lint", "base0001:heads", "-d", "postgresql",
                 "--format", report_format)  # fmt: skip
    assert result.exit_code == 1
    if report_format == "markdown":
        assert "SG102" in result.stdout and "|" in result.stdout
        return
    data = json.loads(result.stdout)
    if report_format == "sarif":
        [run] = data["runs"]
        assert run["tool"]["driver"]["name"] == "sqlgen"
        [sg102] = [r for r in run["results"] if r["ruleId"] == "SG102"]
        location = sg102["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "migrations/versions/0002_change.py"
    else:
        assert any(f["rule"] == "SG102" for f in data["findings"])


def test_inline_suppression_with_a_reason(tmp_path: Path, cli: Cli) -> None:
    suppressed = DROP + "  # sqlgen: ignore[SG102] column emptied and unused since v3.2"
    project = _project(tmp_path, suppressed, ADD_BACK)
    result = cli("-p", project, "lint", "base0001:heads", "-d", "postgresql", "--format", "json")
    assert result.exit_code == 0
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "SG102"]
    assert finding["suppressed"] is True
    assert finding["reason"] == "column emptied and unused since v3.2"


def test_configuration_disables_and_reweighs_rules(tmp_path: Path, cli: Cli) -> None:
    project = _project(
        tmp_path, DROP, ADD_BACK, config='[tool.sqlgen.lint]\nseverity = { SG102 = "info" }\n'
    )
    assert cli("-p", project, "lint", "base0001:heads", "-d", "postgresql").exit_code == 0
    disabled = _project(
        tmp_path / "other", DROP, ADD_BACK, config='[tool.sqlgen.lint]\ndisable = ["SG102"]\n'
    )
    result = cli("-p", disabled, "lint", "base0001:heads", "-d", "postgresql", "--format", "json")
    assert all(f["rule"] != "SG102" for f in json.loads(result.stdout)["findings"])


def test_bad_configuration_is_reported(tmp_path: Path, cli: Cli) -> None:
    project = _project(tmp_path, DROP, ADD_BACK, config='[tool.sqlgen.lint]\ndisable = ["SG1O2"]\n')
    result = cli("-p", project, "lint", "base0001:heads", "-d", "postgresql")
    assert result.exit_code == 1
    assert "[tool.sqlgen.lint]" in result.stderr and "SG1O2" in result.stderr
