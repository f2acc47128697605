"""Stand-in for `mlflow.store.db.base_sql_model` (no naming convention)."""

from sqlalchemy.orm import declarative_base

Base = declarative_base()
