"""Dialect profiles, one TOML file per target dialect.

This folder is installed as the package `sqlgen.dialects.builtin` (see pyproject.toml)
so the profiles ship inside the wheel and load with importlib.resources.
"""
