"""Stand-in for `mlflow.entities.model_registry.model_version_stages`."""

STAGE_NONE = "None"
STAGE_STAGING = "Staging"
STAGE_PRODUCTION = "Production"
STAGE_ARCHIVED = "Archived"
