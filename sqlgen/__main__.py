"""`python -m sqlgen`."""

from sqlgen.cli import main

main(prog_name="sqlgen")
