"""Stand-in for `lazy_object_proxy.Proxy`, as airflow.migrations.db_types uses it.

The factory runs on first use (a call or an attribute), then everything is forwarded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Proxy:
    def __init__(self, factory: Callable[[], Any]) -> None:
        object.__setattr__(self, "_factory", factory)
        object.__setattr__(self, "_target", None)
        object.__setattr__(self, "_resolved", False)

    def _wrapped(self) -> Any:
        if not object.__getattribute__(self, "_resolved"):
            target = object.__getattribute__(self, "_factory")()
            object.__setattr__(self, "_target", target)
            object.__setattr__(self, "_resolved", True)
        return object.__getattribute__(self, "_target")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._wrapped()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped(), name)

    def __repr__(self) -> str:
        return repr(self._wrapped())
