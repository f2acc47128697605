"""Stand-in for `mlflow.entities.run_status` (values of MLflow's RunStatus proto enum)."""

from typing import ClassVar


class RunStatus:
    RUNNING = 1
    SCHEDULED = 2
    FINISHED = 3
    FAILED = 4
    KILLED = 5
    _STRING_TO_STATUS: ClassVar[dict[str, int]] = {
        "RUNNING": 1,
        "SCHEDULED": 2,
        "FINISHED": 3,
        "FAILED": 4,
        "KILLED": 5,
    }
    _STATUS_TO_STRING: ClassVar[dict[int, str]] = {v: k for k, v in _STRING_TO_STATUS.items()}

    @staticmethod
    def to_string(status: int) -> str:
        return RunStatus._STATUS_TO_STRING[status]

    @staticmethod
    def from_string(status: str) -> int:
        return RunStatus._STRING_TO_STATUS[status]
