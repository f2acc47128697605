"""Stand-in for `mlflow.store.model_registry.dbmodels.models`: the table names."""


class _Named:
    __tablename__: str


class SqlRegisteredModel(_Named):
    __tablename__ = "registered_models"


class SqlModelVersion(_Named):
    __tablename__ = "model_versions"


class SqlRegisteredModelTag(_Named):
    __tablename__ = "registered_model_tags"


class SqlModelVersionTag(_Named):
    __tablename__ = "model_version_tags"


class SqlRegisteredModelAlias(_Named):
    __tablename__ = "registered_model_aliases"


class SqlWebhook(_Named):
    __tablename__ = "webhooks"


class SqlWebhookEvent(_Named):
    __tablename__ = "webhook_events"
