"""`make bench`: sqlgen against Alembic, whole processes, on synthetic corpora (see README)."""
