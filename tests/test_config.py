"""Project discovery and settings precedence."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sqlgen import api
from sqlgen.errors import ConfigError, EnvPyError, NoMigrationsFound
from sqlgen.project.config import load_project

from .projects import linear, make_project, revision_source


def _ids(workspace: api.Workspace) -> list[str]:
    return [i.revision for i in api.history(workspace)]


def test_existing_alembic_ini_project_works_unchanged(example_dir: Path) -> None:
    workspace = api.open_project(example_dir)
    assert workspace.project.layout.script_location == example_dir / "migrations"
    assert workspace.project.alembic_ini == example_dir / "alembic.ini"
    assert len(workspace.graph) == 12


def test_env_py_is_not_run_when_skipped_nor_for_the_graph(tmp_path: Path) -> None:
    project = make_project(tmp_path, linear(2))
    marker = tmp_path / "env-ran"
    (tmp_path / "migrations" / "env.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(3)\n"
    )
    workspace = api.open_project(project, overrides={"env_py": "skip"})
    api.generate(workspace, api.GenerateRequest("upgrade", "heads", ["sqlite"], write=False))
    assert len(api.open_project(project, run_env=False).graph) == 2
    assert not marker.exists()
    # when it runs, even sys.exit() in env.py is one error naming its line
    with pytest.raises(EnvPyError, match=r"env\.py:2: SystemExit: 3"):
        api.open_project(project)
    assert marker.exists()


def test_relative_script_location_is_relative_to_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "proj", linear(3), config=None)
    (project / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    monkeypatch.chdir(tmp_path)  # not the project folder
    assert len(api.open_project(project).graph) == 3


@pytest.mark.parametrize("config", ["pyproject", "sqlgen.toml", "alembic.ini"])
def test_each_config_source_is_found(tmp_path: Path, config: str) -> None:
    project = make_project(tmp_path, linear(2), config=config)
    assert _ids(api.open_project(project)) == ["aaaa0002", "aaaa0001"]


def test_discovery_order_tool_sqlgen_then_sqlgen_toml_then_alembic_ini(tmp_path: Path) -> None:
    make_project(tmp_path, linear(1, "a"), config=None, folder="from_pyproject")
    make_project(tmp_path, linear(1, "b"), config=None, folder="from_sqlgen_toml")
    make_project(tmp_path, linear(1, "c"), config=None, folder="from_alembic_ini")
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = from_alembic_ini\n")
    assert _ids(api.open_project(tmp_path)) == ["cccc0001"]
    (tmp_path / "sqlgen.toml").write_text('script_location = "from_sqlgen_toml"\n')
    assert _ids(api.open_project(tmp_path)) == ["bbbb0001"]
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.sqlgen]\nscript_location = "from_pyproject"\n'
    )
    assert _ids(api.open_project(tmp_path)) == ["aaaa0001"]


def test_pyproject_without_tool_sqlgen_is_skipped(tmp_path: Path) -> None:
    project = make_project(tmp_path, linear(1), config="alembic.ini")
    (project / "pyproject.toml").write_text('[project]\nname = "app"\n')
    assert _ids(api.open_project(project)) == ["aaaa0001"]


def test_tool_alembic_in_pyproject(tmp_path: Path) -> None:
    project = make_project(tmp_path, linear(2), config=None)
    (project / "pyproject.toml").write_text(
        '[tool.alembic]\nscript_location = "%(here)s/migrations"\n'
    )
    assert len(api.open_project(project).graph) == 2


def test_version_locations_and_recursive_folders(tmp_path: Path) -> None:
    make_project(tmp_path, {}, config=None)
    nested = tmp_path / "migrations" / "versions" / "2026" / "q1"
    nested.mkdir(parents=True)
    (tmp_path / "migrations" / "versions" / "0001_root.py").write_text(
        revision_source("root0001", None)
    )
    (nested / "0002_nested.py").write_text(revision_source("nest0002", "root0001"))
    extra = tmp_path / "more_versions"
    extra.mkdir()
    (extra / "0003_extra.py").write_text(revision_source("xtra0003", "nest0002"))
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\npath_separator = os\n"
        "version_locations = %(here)s/migrations/versions" + ":" + "%(here)s/more_versions\n"
        "recursive_version_locations = true\n"
    )
    assert _ids(api.open_project(tmp_path)) == ["xtra0003", "nest0002", "root0001"]


def test_prepend_sys_path_makes_project_modules_importable(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "shopmodels.py").write_text("TABLE = 'from_app_module'\n")
    rev = revision_source(
        "prep0001",
        None,
        upgrade="op.create_table(shopmodels.TABLE, sa.Column('id', sa.Integer, primary_key=True))",
        header="import shopmodels\n",
    )
    project = make_project(tmp_path, {"0001_prep.py": rev}, config=None)
    (project / "alembic.ini").write_text(
        "[alembic]\nscript_location = migrations\nprepend_sys_path = app\npath_separator = os\n"
    )
    try:
        result = api.generate(
            api.open_project(project),
            api.GenerateRequest("upgrade", "heads", ["postgresql"], write=False),
        )
    finally:
        sys.modules.pop("shopmodels", None)
    assert "CREATE TABLE from_app_module" in result.scripts["postgresql"].text


def test_config_file_option_reads_ini_and_toml(tmp_path: Path) -> None:
    make_project(tmp_path, linear(2), config=None)
    ini = tmp_path / "conf" / "migrations.ini"
    ini.parent.mkdir()
    ini.write_text("[alembic]\nscript_location = %(here)s/../migrations\n")
    assert len(api.open_project(tmp_path, ini).graph) == 2
    toml = tmp_path / "conf" / "sqlgen.toml"
    toml.write_text(f'script_location = "{(tmp_path / "migrations").as_posix()}"\n')
    assert len(api.open_project(tmp_path, toml).graph) == 2


def test_precedence_cli_over_environment_over_file(tmp_path: Path) -> None:
    make_project(tmp_path, linear(1), config=None)
    (tmp_path / "sqlgen.toml").write_text(
        'script_location = "migrations"\nversion_table = "from_file"\n'
        "transaction_per_migration = true\n"
    )
    assert load_project(tmp_path, env={}).options.version_table == "from_file"
    env = {"SQLGEN_VERSION_TABLE": "from_env", "SQLGEN_TRANSACTION_PER_MIGRATION": "false"}
    from_env = load_project(tmp_path, env=env).options
    assert from_env.version_table == "from_env"
    assert from_env.transaction_per_migration is False
    from_cli = load_project(tmp_path, env=env, overrides={"version_table": "from_cli"}).options
    assert from_cli.version_table == "from_cli"
    assert from_cli.transaction_per_migration is False  # env still beats the file


def test_sqlgen_section_of_alembic_ini(tmp_path: Path) -> None:
    make_project(tmp_path, linear(1))
    with (tmp_path / "alembic.ini").open("a") as fh:
        fh.write("\n[sqlgen]\nversion_table = shop_version\nversion_table_schema = ops\n")
    options = load_project(tmp_path, env={}).options
    assert (options.version_table, options.version_table_schema) == ("shop_version", "ops")


def test_unknown_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    make_project(tmp_path, linear(1), config=None)
    (tmp_path / "sqlgen.toml").write_text('script_location = "migrations"\nversion_tabel = "x"\n')
    with pytest.raises(ConfigError, match=r"unknown key 'version_tabel'.*'version_table'"):
        load_project(tmp_path, env={})


def test_bad_values_are_errors(tmp_path: Path) -> None:
    make_project(tmp_path, linear(1), config=None)
    (tmp_path / "sqlgen.toml").write_text(
        'script_location = "migrations"\ntransaction_per_migration = "sometimes"\n'
    )
    with pytest.raises(ConfigError, match="transaction_per_migration: expected true or false"):
        load_project(tmp_path, env={})


def test_no_configuration_at_all(tmp_path: Path) -> None:
    with pytest.raises(NoMigrationsFound, match="no migrations found"):
        load_project(tmp_path, env={})


def test_preload_registers_custom_operations(tmp_path: Path) -> None:
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "grantops.py").write_text(
        "from alembic.operations import MigrateOperation, Operations\n\n"
        "@Operations.register_operation('grant_read')\n"
        "class GrantReadOp(MigrateOperation):\n"
        "    def __init__(self, table, role):\n"
        "        self.table, self.role = table, role\n\n"
        "    @classmethod\n"
        "    def grant_read(cls, operations, table, role):\n"
        "        return operations.invoke(cls(table, role))\n\n"
        "@Operations.implementation_for(GrantReadOp)\n"
        "def grant_read(operations, operation):\n"
        "    operations.execute(f'GRANT SELECT ON {operation.table} TO {operation.role}')\n"
    )
    rev = revision_source("plug0001", None, upgrade="op.grant_read('orders', 'reporting')")
    make_project(tmp_path, {"0001_plug.py": rev}, config=None)
    (tmp_path / "sqlgen.toml").write_text(
        'script_location = "migrations"\nprepend_sys_path = ["plugins"]\npreload = ["grantops"]\n'
    )
    try:
        result = api.generate(
            api.open_project(tmp_path),
            api.GenerateRequest("upgrade", "heads", ["postgresql"], write=False),
        )
    finally:
        sys.modules.pop("grantops", None)
    assert "GRANT SELECT ON orders TO reporting;" in result.scripts["postgresql"].text
