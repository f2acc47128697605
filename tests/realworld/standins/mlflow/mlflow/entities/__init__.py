"""Stand-in for `mlflow.entities`: the enums the migrations turn into strings."""

from mlflow.entities.run_status import RunStatus
from mlflow.entities.source_type import SourceType
from mlflow.entities.view_type import ViewType

__all__ = ["RunStatus", "SourceType", "ViewType"]
