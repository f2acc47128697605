"""Stand-in for the `airflow` package (apache-airflow-core 3.3.2).

Only what the migrations import. `import airflow` in Airflow initialises its settings,
which imports the ORM helpers; migrations such as 0026 rely on that by using
`airflow.utils.sqlalchemy.UtcDateTime` after a bare `import airflow`.
"""

import airflow.utils.sqlalchemy  # noqa: F401  (loaded by `import airflow` in Airflow)

__version__ = "3.3.2"
