"""Stand-in for `sqlmodel.sql.sqltypes.AutoString`, as sqlmodel defines it."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import types


class AutoString(types.TypeDecorator[str]):
    impl = types.String
    cache_ok = True
    mysql_default_length = 255

    def load_dialect_impl(self, dialect: Any) -> types.TypeEngine[Any]:
        impl = cast(types.String, self.impl)
        if impl.length is None and dialect.name == "mysql":
            return dialect.type_descriptor(types.String(self.mysql_default_length))  # type: ignore[no-any-return]
        return super().load_dialect_impl(dialect)
