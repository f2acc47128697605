"""Stand-in for `dagster._core.storage.event_log`: the event-log table and metadata."""

from dagster._core.storage.event_log.schema import (
    SqlEventLogStorageMetadata,
    SqlEventLogStorageTable,
)

__all__ = ["SqlEventLogStorageMetadata", "SqlEventLogStorageTable"]
