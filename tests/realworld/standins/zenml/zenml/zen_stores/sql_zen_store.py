"""Stand-in for `zenml.zen_stores.sql_zen_store.SqlZenStore`: its secrets store only.

ZenML's default secrets store for a SQL zen store is the SQL one, which makes revision
7b651bf6822e (moving secrets from an external store into the database) a no-op.
"""

from __future__ import annotations

from typing import Any, ClassVar

from zenml.enums import SecretsStoreType


class _SqlSecretsStore:
    TYPE = SecretsStoreType.SQL
    type = SecretsStoreType.SQL
    config: ClassVar[dict[str, Any]] = {}


class SqlZenStore:
    def __init__(self, config: Any = None, **kwargs: Any) -> None:
        self.config = config
        self.secrets_store = _SqlSecretsStore()
