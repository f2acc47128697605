"""Stand-in for `dill`: a pickler module (only handed to sa.PickleType as `pickler`)."""

from pickle import HIGHEST_PROTOCOL, dumps, loads

__all__ = ["HIGHEST_PROTOCOL", "dumps", "loads"]
