"""Stand-in for `dagster._check`: the helpers the migration utilities call."""

from __future__ import annotations

from typing import Any


class CheckError(Exception):
    pass


def invariant(condition: Any, desc: str | None = None) -> bool:
    if not condition:
        raise CheckError(f"Invariant failed. Description: {desc}" if desc else "Invariant failed.")
    return True


def not_none(value: Any, additional_message: str | None = None) -> Any:
    if value is None:
        raise CheckError(f"Expected non-None value: {additional_message or ''}")
    return value


def inst_param(obj: Any, param_name: str, ttype: Any, additional_message: str | None = None) -> Any:
    if not isinstance(obj, ttype):
        raise CheckError(f"Param {param_name!r} is not a {ttype}: {additional_message or ''}")
    return obj


def failed(desc: str) -> Any:
    raise CheckError(f"Failure condition: {desc}")
