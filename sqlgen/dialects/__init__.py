"""Dialect profiles (TOML data, one file per dialect) and what migrations ask of them."""
