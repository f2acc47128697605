"""The command line: parse options, call the api, print, exit."""

from sqlgen.cli.commands import main

__all__ = ["main"]
