"""Stand-in for `mlflow.entities.view_type`."""


class ViewType:
    ACTIVE_ONLY, DELETED_ONLY, ALL = range(1, 4)
