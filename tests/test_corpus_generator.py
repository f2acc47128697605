"""The project's own synthetic Alembic histories (tests/corpus/generate.py).

The generator's real proof is the suite that runs on what it writes: Alembic's and
sqlgen's scripts compared token for token (test_fidelity_alembic.py), the model
compared with PostgreSQL after every revision (test_model_engines.py), and the round
trip on PostgreSQL and MariaDB (test_verify.py). These tests hold what those rely on.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from tests.corpus.generate import write_corpus

REPO = Path(__file__).resolve().parents[1]


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_same_arguments_write_the_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    here = write_corpus(tmp_path / "here", 120, seed=3)
    elsewhere = tmp_path / "elsewhere"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    argv = ["-m", "tests.corpus.generate", str(elsewhere), "--revisions", "120", "--seed", "3"]
    subprocess.run(
        [sys.executable, *argv],
        cwd=REPO,
        env=env,
        check=True,
    )
    assert _files(here) == _files(elsewhere)
    other = write_corpus(tmp_path / "other", 120, seed=4)
    assert _files(other) != _files(here)


def _calls(root: Path) -> Counter[str]:
    """How often each op.* / batch_op.* call and raw SQL statement kind appears."""
    seen: Counter[str] = Counter()
    for path in (root / "migrations" / "versions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if isinstance(owner, ast.Name) and owner.id in ("op", "batch_op"):
                    seen[f"{owner.id}.{node.func.attr}"] += 1
                    if node.func.attr == "execute":
                        seen["sql " + ast.literal_eval(node.args[0]).split()[0]] += 1
            if isinstance(node, ast.keyword) and node.arg == "ondelete":
                seen[f"ondelete {ast.literal_eval(node.value)}"] += 1
    return seen


def test_the_history_has_the_realistic_mix(corpus: Callable[[int], Path]) -> None:
    root = corpus(200)
    seen = _calls(root)
    for kind in [
        "op.create_table",
        "op.drop_table",
        "op.rename_table",
        "op.add_column",
        "op.drop_column",
        "op.alter_column",
        "op.create_index",
        "op.drop_index",
        "op.create_foreign_key",
        "op.create_unique_constraint",
        "op.create_check_constraint",
        "op.drop_constraint",
        "op.bulk_insert",
        "op.batch_alter_table",
        "batch_op.add_column",
        "batch_op.alter_column",
        "sql UPDATE",
        "sql DELETE",
        "sql CREATE",
        "ondelete CASCADE",
        "ondelete SET NULL",
    ]:
        assert seen[kind] >= 2, (kind, seen)
    scripts = ScriptDirectory.from_config(Config(str(root / "alembic.ini")))
    revisions = list(scripts.walk_revisions())
    assert len(revisions) == 200 and len(scripts.get_heads()) == 1
    assert sum(r.is_merge_point for r in revisions) == 2
    assert sum(r.is_branch_point for r in revisions) == 2


def test_no_index_is_ever_made_on_a_foreign_key_column(corpus: Callable[[int], Path]) -> None:
    """The trap the generator avoids: InnoDB adopts such an index for the key and then
    refuses to drop it (error 1553), so the downgrade fails on MySQL and MariaDB."""
    keyed: set[str] = set()
    indexed: set[str] = set()
    for path in (corpus(300) / "migrations" / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        keyed.update(re.findall(r"ForeignKeyConstraint\(\['(\w+)'\]", text))
        keyed.update(re.findall(r"create_foreign_key\('\w+', '\w+', '\w+', \['(\w+)'\]", text))
        for columns in re.findall(r"create_index\('\w+', (?:'\w+', )?\[([^\]]*)\]", text):
            indexed.update(re.findall(r"'(\w+)'", columns))
        indexed.update(re.findall(r"CREATE INDEX \w+ ON \w+ \((\w+)\)", text))
    assert keyed and indexed
    assert not keyed & indexed


def test_the_suite_needs_nothing_outside_the_repository() -> None:
    """A lone clone runs every test: no path reaches beside the repository."""
    sources = [REPO / "Makefile", *REPO.glob("tests/**/*.py"), *REPO.glob("benchmarks/*.py")]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        if path.name == Path(__file__).name:
            continue
        assert "../shared" not in text and "REPO.parent" not in text, path
        assert "ROOT.parent" not in text, path
