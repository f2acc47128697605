"""Stand-in for `airflow.utils.db`: the prefix of tables Airflow moves aside."""

AIRFLOW_MOVED_TABLE_PREFIX = "_airflow_moved"
