"""The project: its configuration, migration scripts, revision graph and workspace."""
