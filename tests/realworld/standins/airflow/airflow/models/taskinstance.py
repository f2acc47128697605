"""Stand-in for `airflow.models.taskinstance`: it re-exports uuid6's uuid7."""

from uuid6 import uuid7

__all__ = ["uuid7"]
