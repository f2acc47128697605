"""Stand-in for `optuna.distributions`: names and fields, no conversion logic.

Revision v3.0.0.a rewrites each stored distribution with these; offline there are no
rows, so the functions below are never called (and raise if they are).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class BaseDistribution:
    pass


@dataclass
class FloatDistribution(BaseDistribution):
    low: float
    high: float
    log: bool = False
    step: float | None = None


@dataclass
class IntDistribution(BaseDistribution):
    low: int
    high: int
    log: bool = False
    step: int = 1


@dataclass
class UniformDistribution(BaseDistribution):
    low: float
    high: float


@dataclass
class LogUniformDistribution(BaseDistribution):
    low: float
    high: float


@dataclass
class DiscreteUniformDistribution(BaseDistribution):
    low: float
    high: float
    q: float


@dataclass
class IntUniformDistribution(BaseDistribution):
    low: int
    high: int
    step: int = 1


@dataclass
class IntLogUniformDistribution(BaseDistribution):
    low: int
    high: int
    step: int = 1


def _needs_optuna(*_: Any, **__: Any) -> Any:
    raise NotImplementedError("stand-in: converting stored distributions needs Optuna itself")


json_to_distribution = _needs_optuna
distribution_to_json = _needs_optuna
_convert_old_distribution_to_new_distribution = _needs_optuna
