"""Stand-in for `open_webui.internal.db`: the declarative base and JSONField."""

from __future__ import annotations

import json
import os
from typing import Any

from sqlalchemy import MetaData, types
from sqlalchemy.orm import declarative_base

DATABASE_SCHEMA = os.environ.get("DATABASE_SCHEMA") or None

metadata_obj = MetaData(schema=DATABASE_SCHEMA)
Base = declarative_base(metadata=metadata_obj)


class JSONField(types.TypeDecorator[Any]):
    """Arbitrary Python objects as JSON-encoded TEXT (UnicodeText)."""

    impl = types.UnicodeText
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return json.dumps(value, ensure_ascii=False) if value is not None else None

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return json.loads(value) if value is not None else None

    def copy(self, **kwargs: Any) -> JSONField:
        return JSONField(length=self.impl.length)
