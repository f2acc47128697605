"""Stand-in for `airflow.utils.hashlib_wrapper`: md5 not used for security."""

from __future__ import annotations

import hashlib
from typing import Any


def md5(__string: bytes = b"") -> Any:
    return hashlib.md5(__string, usedforsecurity=False)
