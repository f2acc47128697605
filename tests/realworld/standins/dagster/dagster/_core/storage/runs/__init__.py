"""Stand-in for `dagster._core.storage.runs`: the run storage's metadata."""

import sqlalchemy as db

RunStorageSqlMetadata = db.MetaData()
