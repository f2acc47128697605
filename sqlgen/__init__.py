"""sqlgen: reviewed, deterministic SQL scripts from Alembic migrations, offline.

`sqlgen.per_dialect(...)` is the one name meant for migration scripts; it is
imported on first use so `sqlgen --help` stays fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "per_dialect"]


def __getattr__(name: str) -> Any:
    if name == "per_dialect":
        from sqlgen.dialects.per_dialect import per_dialect

        return per_dialect
    raise AttributeError(f"module 'sqlgen' has no attribute {name!r}")
