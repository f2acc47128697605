"""Stand-in for `airflow.models.base`: the metadata's naming convention and StringID."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, String

from airflow.configuration import conf

SQL_ALCHEMY_SCHEMA = conf.get("database", "SQL_ALCHEMY_SCHEMA")

naming_convention = {
    "ix": "idx_%(column_0_N_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_uq",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


def _get_schema() -> str | None:
    if not SQL_ALCHEMY_SCHEMA or SQL_ALCHEMY_SCHEMA.isspace():
        return None
    return SQL_ALCHEMY_SCHEMA


metadata = MetaData(schema=_get_schema(), naming_convention=naming_convention)

ID_LEN = 250


def get_id_collation_args() -> dict[str, Any]:
    collation = conf.get("database", "sql_engine_collation_for_ids", fallback=None)
    if collation:
        return {"collation": collation}
    connection = conf.get("database", "sql_alchemy_conn", fallback="") or ""
    if connection.startswith(("mysql", "mariadb")):
        return {"collation": "utf8mb3_bin"}
    return {}


COLLATION_ARGS: dict[str, Any] = get_id_collation_args()


def StringID(*, length: int = ID_LEN, **kwargs: Any) -> String:
    return String(length=length, **kwargs, **COLLATION_ARGS)
