"""Stand-in for the parts of numpy Optuna's migrations v3.0.0.c/d use, on Python floats."""

from __future__ import annotations

import math
from typing import Any


class float32:
    pass


class finfo:
    def __init__(self, dtype: Any) -> None:
        if dtype is not float32:
            raise NotImplementedError(f"stand-in finfo knows float32 only, not {dtype!r}")
        self.max = 3.4028234663852886e38
        self.min = -3.4028234663852886e38


def isnan(value: float) -> bool:
    return math.isnan(value)


def isposinf(value: float) -> bool:
    return value == math.inf


def isneginf(value: float) -> bool:
    return value == -math.inf


def isclose(a: float, b: float, rtol: float = 1e-05, atol: float = 1e-08) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)
