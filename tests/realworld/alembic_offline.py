"""Run `alembic upgrade|downgrade RANGE --sql` on a harness, for one dialect.

    python -P tests/realworld/alembic_offline.py INI URL DIRECTION RANGE OUT

Alembic's own command API, as the `alembic` command line runs it, with the harness's
alembic.ini and `sqlalchemy.url` set to URL (the harness env.py reads it from there).
The script goes to OUT; whatever a migration prints stays on this process's stdout,
so OUT is only what Alembic writes. On failure the last line of stderr is
`alembic-offline: error: TYPE: first line of the message`, after the traceback.
"""

from __future__ import annotations

import sys
import traceback


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    ini, url, direction, spec, out = argv
    from alembic import command
    from alembic.config import Config

    with open(out, "w", encoding="utf-8") as buffer:
        config = Config(ini, output_buffer=buffer)
        config.set_main_option("sqlalchemy.url", url)
        try:
            if direction == "upgrade":
                command.upgrade(config, spec, sql=True)
            elif direction == "downgrade":
                command.downgrade(config, spec, sql=True)
            else:
                print(f"alembic-offline: unknown direction {direction!r}", file=sys.stderr)
                return 2
        except BaseException as exc:  # report every failure as one line, then exit 1
            traceback.print_exc()
            message = str(exc).strip().splitlines()
            first = message[0] if message else ""
            print(f"alembic-offline: error: {type(exc).__name__}: {first}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
