"""sqlgen's own synthetic Alembic project, for the tests and `make bench` (see generate.py)."""
