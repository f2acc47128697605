"""The real-world suite's tests run only when asked for.

They fetch public releases and run for minutes, so the default `make test` leaves them
out: they are skipped unless SQLGEN_REALWORLD=1 is set or `-m` names `realworld`
(`make realworld` does the former).
"""

from __future__ import annotations

import os

import pytest


def _wanted(config: pytest.Config) -> bool:
    if os.environ.get("SQLGEN_REALWORLD") == "1":
        return True
    return "realworld" in (config.getoption("markexpr", default="") or "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _wanted(config):
        return
    skip = pytest.mark.skip(reason="real-world suite: set SQLGEN_REALWORLD=1 or use -m realworld")
    for item in items:
        if item.get_closest_marker("realworld") is not None:
            item.add_marker(skip)
