"""Stand-in for `mlflow.entities.model_registry.model_version_status`."""

from typing import ClassVar


class ModelVersionStatus:
    PENDING_REGISTRATION = 1
    FAILED_REGISTRATION = 2
    READY = 3
    _STATUS_TO_STRING: ClassVar[dict[int, str]] = {
        1: "PENDING_REGISTRATION",
        2: "FAILED_REGISTRATION",
        3: "READY",
    }

    @staticmethod
    def to_string(status: int) -> str:
        return ModelVersionStatus._STATUS_TO_STRING[status]
