"""Stand-in for `zenml.constants`: the constants the migrations read."""

ENV_ZENML_DEFAULT_PROJECT_NAME = "ZENML_DEFAULT_PROJECT_NAME"
DEFAULT_PROJECT_NAME = "default"
