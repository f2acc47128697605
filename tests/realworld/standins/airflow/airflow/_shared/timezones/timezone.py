"""Stand-in for `airflow._shared.timezones.timezone`: utcnow (a Python-side default)."""

from __future__ import annotations

import datetime as dt

utc = dt.UTC


def utcnow() -> dt.datetime:
    return dt.datetime.now(tz=utc)
