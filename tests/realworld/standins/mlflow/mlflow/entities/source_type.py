"""Stand-in for `mlflow.entities.source_type` (values of MLflow's SourceType proto enum)."""

from typing import ClassVar


class SourceType:
    NOTEBOOK = 1
    JOB = 2
    PROJECT = 3
    LOCAL = 4
    UNKNOWN = 1000
    _STATUS_TO_STRING: ClassVar[dict[int, str]] = {
        1: "NOTEBOOK",
        2: "JOB",
        3: "PROJECT",
        4: "LOCAL",
        1000: "UNKNOWN",
    }

    @staticmethod
    def to_string(value: int) -> str:
        return SourceType._STATUS_TO_STRING[value]
