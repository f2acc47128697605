"""Stand-in for `mlflow.utils.mlflow_tags`."""

MLFLOW_USER = "mlflow.user"
