"""Stand-in for `airflow.serialization.enums`: the keys of Airflow's serialized form."""

from enum import StrEnum


class Encoding(StrEnum):
    TYPE = "__type"
    VAR = "__var"
