"""Stand-in for `airflow.models`: what the migrations import from it."""

from airflow.models.base import ID_LEN

__all__ = ["ID_LEN"]
