"""Stand-in for `mlflow.store.tracking.dbmodels.models`.

The migrations use these classes for their table names and, in a few data migrations
(89d4b8295536, cfd24bdc0731), for some columns in queries and check constraints. Those
columns are declared as in MLflow; every other class carries its table name only.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
)

from mlflow.entities import SourceType
from mlflow.entities.lifecycle_stage import LifecycleStage
from mlflow.store.db.base_sql_model import Base

SourceTypes = [
    SourceType.to_string(SourceType.NOTEBOOK),
    SourceType.to_string(SourceType.JOB),
    SourceType.to_string(SourceType.LOCAL),
    SourceType.to_string(SourceType.UNKNOWN),
    SourceType.to_string(SourceType.PROJECT),
]


class SqlExperiment(Base):  # type: ignore[misc, valid-type]
    __tablename__ = "experiments"
    experiment_id = Column(Integer, autoincrement=True)
    name = Column(String(256), unique=True, nullable=False)
    lifecycle_stage = Column(String(32), default=LifecycleStage.ACTIVE)
    __table_args__ = (PrimaryKeyConstraint("experiment_id", name="experiment_pk"),)


class SqlRun(Base):  # type: ignore[misc, valid-type]
    __tablename__ = "runs"
    run_uuid = Column(String(32), nullable=False)
    source_type = Column(String(20), default=SourceType.to_string(SourceType.LOCAL))
    lifecycle_stage = Column(String(20), default=LifecycleStage.ACTIVE)
    experiment_id = Column(Integer, ForeignKey("experiments.experiment_id"))
    __table_args__ = (PrimaryKeyConstraint("run_uuid", name="run_pk"),)


class SqlMetric(Base):  # type: ignore[misc, valid-type]
    __tablename__ = "metrics"
    key = Column(String(250))
    value = Column(sa.types.Float(precision=53), nullable=False)
    timestamp = Column(BigInteger)
    step = Column(BigInteger, default=0, nullable=False)
    is_nan = Column(Boolean(create_constraint=True), nullable=False, default=False)
    run_uuid = Column(String(32), ForeignKey("runs.run_uuid"))
    __table_args__ = (
        PrimaryKeyConstraint(
            "key", "timestamp", "step", "run_uuid", "value", "is_nan", name="metric_pk"
        ),
    )


class SqlLatestMetric(Base):  # type: ignore[misc, valid-type]
    __tablename__ = "latest_metrics"
    key = Column(String(250))
    value = Column(sa.types.Float(precision=53), nullable=False)
    timestamp = Column(BigInteger)
    step = Column(BigInteger, nullable=False)
    is_nan = Column(Boolean(create_constraint=True), nullable=False)
    run_uuid = Column(String(32), ForeignKey("runs.run_uuid"))
    __table_args__ = (PrimaryKeyConstraint("key", "run_uuid", name="latest_metric_pk"),)


class SqlTraceInfo(Base):  # type: ignore[misc, valid-type]
    __tablename__ = "trace_info"
    request_id = Column(String(50), nullable=False)
    experiment_id = Column(Integer, ForeignKey("experiments.experiment_id"), nullable=False)
    __table_args__ = (PrimaryKeyConstraint("request_id", name="trace_info_pk"),)


class _Named:
    __tablename__: str


class SqlExperimentTag(_Named):
    __tablename__ = "experiment_tags"


class SqlTag(_Named):
    __tablename__ = "tags"


class SqlDataset(_Named):
    __tablename__ = "datasets"


class SqlInput(_Named):
    __tablename__ = "inputs"


class SqlInputTag(_Named):
    __tablename__ = "input_tags"


class SqlTraceTag(_Named):
    __tablename__ = "trace_tags"


class SqlTraceMetadata(_Named):
    __tablename__ = "trace_request_metadata"


class SqlTraceMetrics(_Named):
    __tablename__ = "trace_metrics"


class SqlAssessments(_Named):
    __tablename__ = "assessments"


class SqlIssue(_Named):
    __tablename__ = "issues"


class SqlSpan(_Named):
    __tablename__ = "spans"


class SqlScorer(_Named):
    __tablename__ = "scorers"


class SqlScorerVersion(_Named):
    __tablename__ = "scorer_versions"


class SqlOnlineScoringConfig(_Named):
    __tablename__ = "online_scoring_configs"
