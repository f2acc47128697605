"""`sqlgen revision`: new revision files from the project's template, autogenerate offline.

The decisive check: the file sqlgen's offline autogenerate writes is the file
Alembic's own autogenerate writes against a real PostgreSQL database brought to
the same heads by Alembic itself (online).
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from sqlgen import api
from sqlgen.verify.postgres_server import PostgresServer
from tests.projects import make_project, revision_source

Cli = Callable[..., Result]

# The example's schema at its head, changed: a column, a table, an index added,
# an index dropped, a type widened, a column made NOT NULL.
MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("email", sa.String(255), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column(
        "created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
    ),
    sa.Column("phone", sa.String(30)),
    sa.UniqueConstraint("email", name="uq_customers_email"),
)
sa.Table(
    "products",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("sku", sa.String(32), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("price", sa.Numeric(10, 2), nullable=False),
    sa.UniqueConstraint("sku", name="uq_products_sku"),
    sa.CheckConstraint("price >= 0", name="ck_products_price_positive"),
)
sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("customer_id", sa.String(36), sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("status", sa.String(20), server_default="new", nullable=False),
    sa.Column("placed_at", sa.DateTime(), nullable=True),
    sa.Index("ix_orders_customer_id", "customer_id"),
    sa.Index("ix_orders_placed_at", "placed_at"),
)
sa.Table(
    "order_items",
    metadata,
    sa.Column("order_id", sa.String(36), sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("product_id", sa.Integer(), sa.ForeignKey("products.id"), primary_key=True),
    sa.Column("quantity", sa.Integer(), nullable=False),
    sa.Column("unit_price", sa.Numeric(10, 2), nullable=False),
    sa.Column("gift_message", sa.String(500)),
)
sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("order_id", sa.String(36), sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("kind", sa.String(80), nullable=False),
    sa.Column("detail", sa.Text()),
    sa.Column(
        "recorded_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
    ),
    sa.Column("source", sa.String(20), server_default="app", nullable=False),
)
sa.Table(
    "coupons",
    metadata,
    sa.Column("code", sa.String(20), primary_key=True),
    sa.Column("customer_id", sa.String(36), sa.ForeignKey("customers.id", name="fk_coupons_c")),
    sa.Column("percent", sa.Integer(), nullable=False),
)
"""

ONLINE_ENV = """
import sys

from alembic import context
from sqlalchemy import create_engine, pool

sys.path.insert(0, {root!r})
import {module} as models

engine = create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=models.metadata)
    with context.begin_transaction():
        context.run_migrations()
"""

_CREATE_DATE = re.compile(r"^Create Date: .*$", re.MULTILINE)


def _copy_example(example_dir: Path, target: Path, module: str) -> Path:
    shutil.copytree(example_dir, target)
    (target / f"{module}.py").write_text(MODELS, encoding="utf-8")
    return target


def _written(project: Path, rev_id: str) -> str:
    (path,) = (project / "migrations" / "versions").glob(f"{rev_id}_*.py")
    text = path.read_text(encoding="utf-8")
    path.unlink()
    return _CREATE_DATE.sub("Create Date: <now>", text)


@pytest.fixture
def scratch_database(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


def test_autogenerate_offline_writes_what_alembic_writes_against_postgresql(
    example_dir: Path, tmp_path: Path, scratch_database: str
) -> None:
    from alembic import command
    from alembic.config import Config

    module = "shop_models_for_autogenerate"
    project = _copy_example(example_dir, tmp_path / "shop", module)

    # Alembic, online: upgrade a real database to the heads, then autogenerate
    online = tmp_path / "online"
    online.mkdir()
    (online / "env.py").write_text(
        ONLINE_ENV.format(root=str(project), module=module), encoding="utf-8"
    )
    shutil.copy(project / "migrations" / "script.py.mako", online / "script.py.mako")
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(online))
    config.set_main_option("version_locations", str(project / "migrations" / "versions"))
    config.set_main_option("sqlalchemy.url", scratch_database)
    command.upgrade(config, "heads")
    command.revision(config, message="coupons and phones", autogenerate=True, rev_id="a1b2c3")
    expected = _written(project, "a1b2c3")

    # sqlgen, offline: no database, env.py never run
    workspace = api.open_project(project)
    request = api.RevisionRequest(
        "coupons and phones", autogenerate=True, metadata=f"{module}:metadata", rev_id="a1b2c3"
    )
    written = api.revision(workspace, request)
    assert written.changes > 0
    actual = _written(project, "a1b2c3")

    assert actual == expected
    for change in ("add_column('customers'", "create_table('coupons'", "ix_orders_placed_at"):
        assert change in actual
    assert "drop_index(op.f('ix_products_name')" in actual and "length=80" in actual


def test_an_autogenerated_revision_brings_the_model_to_the_metadata(
    example_dir: Path, tmp_path: Path
) -> None:
    module = "shop_models_converging"
    project = _copy_example(example_dir, tmp_path / "shop", module)
    request = api.RevisionRequest("catch up", autogenerate=True, metadata=f"{module}:metadata")
    first = api.revision(api.open_project(project), request)
    assert first.changes > 0
    # the new revision is part of the history now: nothing is left to compare
    again = api.revision(api.open_project(project), request)
    assert again.changes == 0
    assert "pass" in again.path.read_text(encoding="utf-8")


def test_a_plain_revision_uses_the_template_head_labels_and_dependencies(
    cli: Cli, example_dir: Path, tmp_path: Path
) -> None:
    project = tmp_path / "shop"
    shutil.copytree(example_dir, project)
    result = cli(
        "--project",
        project,
        "revision",
        "-m",
        "add loyalty points",
        "--rev-id",
        "f00d",
        "--branch-label",
        "loyalty",
        "--depends-on",
        "5b2e8f0c4a04",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert '"path": "migrations/versions/f00d_add_loyalty_points.py"' in result.stdout
    workspace = api.open_project(project)
    (info,) = api.show(workspace, "f00d")
    assert info.down_revisions == ("c5a1e7b9d312",) and info.is_head
    assert info.branch_labels == ("loyalty",) and info.depends_on == ("5b2e8f0c4a04",)
    text = (project / "migrations/versions/f00d_add_loyalty_points.py").read_text()
    assert '"""add loyalty points' in text and "def upgrade() -> None:\n    pass" in text


def _two_heads(root: Path) -> Path:
    return make_project(
        root,
        {
            "a.py": revision_source("a", None),
            "b.py": revision_source("b", "a"),
            "c.py": revision_source("c", "a"),
        },
    )


def test_usage_and_alembic_refusals(cli: Cli, tmp_path: Path) -> None:
    project = _two_heads(tmp_path / "proj")
    shutil.copy(
        Path(api.__file__).parent.parent / "examples/shop/migrations/script.py.mako",
        project / "migrations" / "script.py.mako",
    )
    no_metadata = cli("--project", project, "revision", "-m", "x", "--autogenerate")
    assert no_metadata.exit_code == 2 and "--autogenerate needs --metadata" in no_metadata.stderr
    bad_module = cli(
        "--project", project, "revision", "-m", "x", "--autogenerate", "--metadata", "nope:md"
    )
    assert bad_module.exit_code == 1
    assert "cannot load the target metadata nope:md: ModuleNotFoundError" in bad_module.stderr
    two_heads = cli("--project", project, "revision", "-m", "x")
    assert two_heads.exit_code == 1
    assert "no revision written: Multiple heads are present" in two_heads.stderr
    on_b = cli("--project", project, "revision", "-m", "x", "--head", "b", "--rev-id", "d")
    assert on_b.exit_code == 0 and "wrote migrations/versions/d_x.py" in on_b.stdout


def test_autogenerate_does_not_guess_an_unknown_table(cli: Cli, tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "proj",
        {
            "a.py": revision_source(
                "a", None, 'op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))'
            ),
            "b.py": revision_source("b", "a", 'op.execute("ALTER TABLE t FROBNICATE")'),
        },
    )
    (project / "models_unknown.py").write_text(
        textwrap.dedent(
            """
            import sqlalchemy as sa
            metadata = sa.MetaData()
            sa.Table("t", metadata, sa.Column("id", sa.Integer(), primary_key=True))
            """
        ),
        encoding="utf-8",
    )
    shutil.copy(
        Path(api.__file__).parent.parent / "examples/shop/migrations/script.py.mako",
        project / "migrations" / "script.py.mako",
    )
    result = cli(
        "--project",
        project,
        "revision",
        "-m",
        "x",
        "--autogenerate",
        "--metadata",
        "models_unknown:metadata",
    )
    assert result.exit_code == 1
    assert "table t was changed by SQL sqlgen could not read (revision b, line" in result.stderr
    assert not list((project / "migrations" / "versions").glob("*_x.py"))


# --- the first revision of a project fresh from `alembic init` -------------------------


def _alembic_init(root: Path) -> Path:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "alembic", "init", "migrations"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert not list((root / "migrations" / "versions").iterdir())  # nothing there yet
    return root


def _alembic(root: Path, *args: str) -> str:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_revision_writes_the_first_revision_of_a_fresh_project(cli: Cli, tmp_path: Path) -> None:
    """As `alembic revision` does: an empty versions folder gets its first revision."""
    root = _alembic_init(tmp_path)
    first = cli("-p", root, "revision", "-m", "first", "--rev-id", "first0001")
    assert first.exit_code == 0, first.output
    assert first.stdout == "wrote migrations/versions/first0001_first.py (revision first0001)\n"
    assert _alembic(root, "heads") == "first0001 (head)\n"
    second = cli("-p", root, "revision", "-m", "second", "--rev-id", "secnd0002")
    assert second.exit_code == 0, second.output
    assert _alembic(root, "history") == (
        "first0001 -> secnd0002 (head), second\n<base> -> first0001, first\n"
    )


def test_autogenerate_writes_the_first_revision_from_an_empty_schema(
    cli: Cli, tmp_path: Path
) -> None:
    root = _alembic_init(tmp_path)
    (root / "fresh_models.py").write_text(
        "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n"
        "sa.Table('customers', metadata, sa.Column('id', sa.Integer(), primary_key=True))\n",
        encoding="utf-8",
    )
    result = cli(
        "-p", root, "revision", "-m", "initial", "--autogenerate",
        "--metadata", "fresh_models:metadata", "--rev-id", "init0001",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 change(s) found" in result.stdout
    written = (root / "migrations" / "versions" / "init0001_initial.py").read_text()
    assert "op.create_table('customers'" in written
    assert "down_revision: Union[str, Sequence[str], None] = None" in written
