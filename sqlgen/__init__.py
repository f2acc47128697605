"""sqlgen: reviewed, deterministic SQL scripts from Alembic migrations, offline."""

__version__ = "0.1.0"
