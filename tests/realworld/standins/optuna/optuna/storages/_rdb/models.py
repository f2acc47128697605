"""Stand-in for `optuna.storages._rdb.models`: the declarative base (no naming convention)."""

from sqlalchemy.orm import declarative_base

BaseModel = declarative_base()
