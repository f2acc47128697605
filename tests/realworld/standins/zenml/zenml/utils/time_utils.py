"""Stand-in for `zenml.utils.time_utils.utc_now`."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now(tz_aware: bool | datetime = False) -> datetime:
    now = datetime.now(UTC)
    if (isinstance(tz_aware, bool) and tz_aware is False) or (
        isinstance(tz_aware, datetime) and tz_aware.tzinfo is None
    ):
        return now.replace(tzinfo=None)
    return now
