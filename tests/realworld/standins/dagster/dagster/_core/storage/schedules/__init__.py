"""Stand-in for `dagster._core.storage.schedules`: the schedule storage's metadata."""

import sqlalchemy as db

ScheduleStorageSqlMetadata = db.MetaData()
