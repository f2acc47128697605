"""Stand-in for `airflow.configuration.conf`: environment variables, then defaults.

Airflow reads `AIRFLOW__{SECTION}__{KEY}` first; the suite sets
AIRFLOW__DATABASE__SQL_ALCHEMY_CONN to the run's dialect URL, as a deployment does.
"""

from __future__ import annotations

import os

_DEFAULTS = {
    ("database", "sql_alchemy_conn"): "sqlite://",
    ("database", "sql_alchemy_schema"): "",
    ("database", "migration_batch_size"): "10000",
    ("scheduler", "use_row_level_locking"): "True",
}
_MISSING = object()


class AirflowConfigParser:
    def get(self, section: str, key: str, fallback: object = _MISSING) -> str | None:
        value = os.environ.get(f"AIRFLOW__{section.upper()}__{key.upper()}")
        if value is not None:
            return value
        default = _DEFAULTS.get((section.lower(), key.lower()))
        if default is not None:
            return default
        if fallback is not _MISSING:
            return fallback  # type: ignore[return-value]
        raise KeyError(f"section/key [{section}/{key}] not found in config")

    def getint(self, section: str, key: str, fallback: object = _MISSING) -> int:
        return int(self.get(section, key, fallback))  # type: ignore[arg-type]

    def getboolean(self, section: str, key: str, fallback: object = _MISSING) -> bool:
        return str(self.get(section, key, fallback)).strip().lower() in ("t", "true", "1")


conf = AirflowConfigParser()
