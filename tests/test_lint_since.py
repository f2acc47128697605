"""`lint --since GIT_REF`: what a change adds, against the schema before it.

And the default view of a range: a table an earlier revision created holds rows
by the time a later revision runs (a deployment can stop between them), unless
--assume-new-tables.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from .projects import line_of, make_project, revision_source

Cli = Callable[..., Result]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

CREATE = """
    op.create_table(
        'accounts',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('name', sa.String(50)),
    )
"""
NOT_NULL = "op.add_column('accounts', sa.Column('plan', sa.String(10), nullable=False))"
DROP_PLAN = "op.drop_column('accounts', 'plan')"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed project: r1 creates `accounts`."""
    root = make_project(
        tmp_path / "app",
        {
            "0001_accounts.py": revision_source(
                "acct0001", None, CREATE, "op.drop_table('accounts')"
            )
        },
    )
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
    return root


def _add(root: Path, name: str, source: str) -> Path:
    path = root / "migrations" / "versions" / name
    path.write_text(source, encoding="utf-8")
    return path


def test_lint_since_head_lints_the_new_revision_against_the_schema_before_it(
    repo: Path, cli: Cli
) -> None:
    new = _add(repo, "0002_plan.py", revision_source("plan0002", "acct0001", NOT_NULL, DROP_PLAN))
    result = cli("-p", repo, "lint", "--since", "HEAD", "-d", "postgresql", "--json")
    assert result.exit_code == 1, result.output
    findings = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "SG403"]
    assert [f["revision"] for f in findings] == ["plan0002"]
    assert findings[0]["line"] == line_of(new, "nullable=False")
    assert "changed since HEAD: plan0002 (range acct0001:plan0002)" in result.stderr
    # the first revision is committed: nothing of it is reported
    everything = json.loads(result.stdout)["findings"]
    assert {f["revision"] for f in everything} == {"plan0002"}


def test_a_committed_change_and_an_edited_one(repo: Path, cli: Cli) -> None:
    _add(repo, "0002_plan.py", revision_source("plan0002", "acct0001", NOT_NULL, DROP_PLAN))
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "second")
    nothing = cli("-p", repo, "lint", "--since", "HEAD", "-d", "postgresql")
    assert nothing.exit_code == 0, nothing.output
    assert "no revision file is new or changed since HEAD" in nothing.stderr
    # against the first commit, the committed second revision is what changed
    since_first = cli("-p", repo, "lint", "--since", "HEAD~1", "-d", "postgresql", "--json")
    found = json.loads(since_first.stdout)["findings"]
    assert [f["revision"] for f in found if f["rule"] == "SG403"] == ["plan0002"]


def test_tables_created_by_the_change_itself_are_new_to_it(repo: Path, cli: Cli) -> None:
    # both new: deployed together, so `ledger` has no rows when its column is added
    create_ledger = "op.create_table('ledger', sa.Column('id', sa.Integer, primary_key=True))"
    add = "op.add_column('ledger', sa.Column('amount', sa.Integer(), nullable=False))"
    _add(repo, "0002_ledger.py", revision_source("ledg0002", "acct0001", create_ledger, "pass"))
    _add(repo, "0003_amount.py", revision_source("amnt0003", "ledg0002", add, "pass"))
    result = cli("-p", repo, "lint", "--since", "HEAD", "-d", "postgresql", "--json")
    assert [f["rule"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "SG403"] == []


def test_without_since_a_table_from_an_earlier_revision_has_rows(repo: Path, cli: Cli) -> None:
    _add(repo, "0002_plan.py", revision_source("plan0002", "acct0001", NOT_NULL, DROP_PLAN))
    whole = cli("-p", repo, "lint", "base:heads", "-d", "postgresql", "--json")
    found = json.loads(whole.stdout)["findings"]
    assert [f["revision"] for f in found if f["rule"] == "SG403"] == ["plan0002"]
    assumed = cli(
        "-p", repo, "lint", "base:heads", "-d", "postgresql", "--json", "--assume-new-tables"
    )
    assert [f for f in json.loads(assumed.stdout)["findings"] if f["rule"] == "SG403"] == []


def test_within_one_revision_a_new_table_is_new(repo: Path, cli: Cli) -> None:
    both = CREATE.replace("accounts", "plans") + "\n" + NOT_NULL.replace("accounts", "plans")
    _add(repo, "0002_plans.py", revision_source("plns0002", "acct0001", both, "pass"))
    result = cli("-p", repo, "lint", "base:heads", "-d", "postgresql", "--json")
    assert [f["rule"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "SG403"] == []


def test_bundle_and_verify_since(repo: Path, cli: Cli, tmp_path: Path) -> None:
    _add(repo, "0002_plan.py", revision_source("plan0002", "acct0001", NOT_NULL, DROP_PLAN))
    ticket = tmp_path / "ticket"
    bundled = cli("-p", repo, "bundle", "--since", "HEAD", "-d", "sqlite", "-o", ticket, "--json")
    assert bundled.exit_code == 0, bundled.output
    manifest = json.loads((ticket / "manifest.json").read_text())
    assert manifest["upgrade"]["requested"] == "acct0001:plan0002"
    verified = cli("-p", repo, "verify", "--since", "HEAD", "-d", "sqlite", "--empty", "--json")
    assert verified.exit_code == 0, verified.output
    assert [o["status"] for o in json.loads(verified.stdout)] == ["passed"]


def test_since_errors_are_one_line(repo: Path, cli: Cli, tmp_path: Path) -> None:
    unknown = cli("-p", repo, "lint", "--since", "nope", "-d", "postgresql")
    assert unknown.exit_code == 2
    assert "--since nope: no such git ref" in unknown.stderr
    assert "Traceback" not in unknown.output

    elsewhere = make_project(tmp_path / "plain", {"r1.py": revision_source("r1", None)})
    outside = cli("-p", elsewhere, "lint", "--since", "HEAD", "-d", "postgresql")
    if (tmp_path / ".git").exists():  # pragma: no cover - a temp folder inside a repository
        pytest.skip("the temporary folder is inside a git repository")
    assert outside.exit_code == 1
    assert outside.stderr.strip().splitlines() == [
        f"error: --since HEAD: {elsewhere.resolve()} is not in a git repository"
    ]

    both = cli("-p", repo, "lint", "base:heads", "--since", "HEAD", "-d", "postgresql")
    assert both.exit_code == 2 and "give a RANGE or --since GIT_REF" in both.stderr
    neither = cli("-p", repo, "lint", "-d", "postgresql")
    assert neither.exit_code == 2 and "give a RANGE or --since GIT_REF" in neither.stderr
