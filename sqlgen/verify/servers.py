"""What the throwaway database servers are built from: errors, processes, ports, the OS
user that owns a server, logs and cleaning up.

`throwaway.ThrowawayServer` is the one server class; each engine module
(`postgres_server`, `mariadb_server`) declares what is its own as a `throwaway.ServerEngine`.

Database servers refuse to run as root, so when we are root the temporary directory
is handed to the engine's OS user (`postgres`, `mysql`) and its programs run as that
user: commands that run to completion through `runuser` (`run_as`), a server that stays
in the foreground by switching user in the child (`spawn_as`). Servers listen on
127.0.0.1 at a free port; the port is picked before the server binds it, so a start
that loses the race is retried on a new one (`start_on_free_port`).

Only the standard library is used here.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

__all__ = [
    "LOOPBACK",
    "Argv",
    "EngineNotFound",
    "ScriptError",
    "ServerError",
    "ServerStartError",
    "as_user",
    "clean_env",
    "cleaned_up",
    "file_size",
    "free_port",
    "log_tail",
    "make_temp_dir",
    "process_alive",
    "program_version",
    "run_as",
    "server_os_user",
    "spawn_as",
    "start_on_free_port",
    "wait_until_gone",
]

LOOPBACK = "127.0.0.1"
Argv = list[str | Path]  # a command line: a program and its arguments


# --- errors --------------------------------------------------------------------------


class ServerError(RuntimeError):
    """Something went wrong with a throwaway server."""


class EngineNotFound(ServerError):
    """A program or OS user the throwaway server needs is missing (skip, don't fail)."""


class ServerStartError(ServerError):
    """The server could not be initialised or started; the message ends with its log.

    `port_in_use` says the chosen port was taken by someone else first: worth a retry.
    """

    def __init__(self, message: str, *, port_in_use: bool = False) -> None:
        super().__init__(message)
        self.port_in_use = port_in_use


class ScriptError(ServerError):
    """A command-line client stopped on an error while running a SQL file."""

    def __init__(self, program: str, path: Path, returncode: int, stderr: str) -> None:
        super().__init__(f"{program} failed on {path} (exit {returncode}):\n{stderr.rstrip()}")
        self.program = program
        self.path = path
        self.returncode = returncode
        self.stderr = stderr


# --- processes and ports -------------------------------------------------------------


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nobody listens on right now (another process may still take it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def process_alive(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie waiting to be reaped.

    A zombie has finished: it only waits for its parent (perhaps a PID 1 that never
    reaps) to collect its exit status, so it counts as dead.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # no /proc: trust kill()
    state = re.search(r"^State:\s+(\S)", status, re.MULTILINE)
    return not (state and state.group(1) in "ZX")


def wait_until_gone(pid: int, timeout: float) -> bool:
    """Wait up to `timeout` seconds for process `pid` to end; whether it did."""
    deadline = time.monotonic() + timeout
    while process_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def start_on_free_port(
    start: Callable[[int], None], *, host: str = LOOPBACK, attempts: int = 3
) -> int:
    """Call `start(port)` with a free port, again with a new port (up to `attempts` times
    in all) while it raises ServerStartError with `port_in_use`; return the port used."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    for attempt in range(1, attempts + 1):
        port = free_port(host)
        try:
            start(port)
        except ServerStartError as exc:
            if not exc.port_in_use or attempt == attempts:
                raise
            continue
        return port
    raise AssertionError("not reached")


def program_version(
    program: Path, pattern: re.Pattern[str], env: Mapping[str, str] | None = None
) -> str | None:
    """The version `program --version` states (the first group of `pattern`), or None
    when it did not run or did not state one. `env`: its environment (None: ours)."""
    try:
        out = subprocess.run(
            [str(program), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env=None if env is None else dict(env),
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = pattern.search(out)
    return match.group(1) if match else None


# --- the OS user that owns the server ------------------------------------------------


def server_os_user(
    name: str, engine: str, not_found: type[EngineNotFound] = EngineNotFound
) -> str | None:
    """The OS user to run `engine` as: `name` when we are root, else None (ourselves).

    Raises `not_found` when we are root but the user or `runuser` is missing.
    """
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(name)
    except KeyError:
        raise not_found(
            f"running as root, but there is no {name!r} OS user to run {engine} as"
        ) from None
    if shutil.which("runuser") is None:
        raise not_found("running as root, but `runuser` is missing")
    return name


def make_temp_dir(prefix: str, owner: str | None) -> Path:
    """A new private temporary directory, handed over to the OS user `owner` if any."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    return root


def as_user(argv: Sequence[str | Path], user: str | None) -> list[str]:
    """`argv`, run through `runuser` as `user` when one is given."""
    command = [str(a) for a in argv]
    return ["runuser", "-u", user, "--", *command] if user else command


def clean_env(
    drop_prefixes: Sequence[str], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Our environment without the variables starting with `drop_prefixes` (PGHOST,
    MYSQL_PWD...: settings that would redirect or alter a client), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(drop_prefixes))}
    env.update(extra or {})
    return env


def run_as(
    argv: Sequence[str | Path],
    user: str | None,
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion as `user` (None: ourselves), capturing its output.

    `cwd` should be the server's directory: `user` may not be allowed into ours.
    """
    return subprocess.run(
        as_user(argv, user),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def spawn_as(
    argv: Sequence[str | Path],
    user: str | None,
    *,
    cwd: Path,
    env: Mapping[str, str],
    output: Path,
) -> subprocess.Popen[bytes]:
    """Start a long-running program (a server in the foreground) as `user` (None:
    ourselves), with stdout and stderr appended to `output`; return its process.

    Unlike `run_as` this does not go through `runuser`: we switch user between fork and
    exec, so the process is the program itself and our own child. Signals reach it and
    we reap it, with no risk of hitting another process that reused its number, and
    runuser's own handling of SIGTERM (forward it, SIGKILL two seconds later) cannot cut
    a shutdown short. It gets its own session, so a Ctrl-C in the terminal reaches only
    us: the code that started it decides how it stops.
    """
    env = dict(env)
    uid = gid = groups = None
    if user:
        entry = pwd.getpwnam(user)
        uid, gid = entry.pw_uid, entry.pw_gid
        groups = os.getgrouplist(user, entry.pw_gid)
        env.update(HOME=entry.pw_dir, USER=user, LOGNAME=user)
    with output.open("ab") as out:
        return subprocess.Popen(
            [str(a) for a in argv],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=uid,
            group=gid,
            extra_groups=groups,
        )


# --- logs ----------------------------------------------------------------------------


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def log_tail(path: Path, lines: int = 30, *, since: int = 0) -> str:
    """The last `lines` lines of a log file, from byte offset `since` on."""
    try:
        with path.open("rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


# --- cleaning up ---------------------------------------------------------------------


def _remove(stop: Callable[[], None], root: Path, *, quiet: bool) -> None:
    """Stop the server, then delete its directory; `quiet` turns failures into warnings
    (used while another exception is already propagating)."""
    try:
        stop()
        shutil.rmtree(root)
    except Exception as exc:
        if not quiet:
            raise
        warnings.warn(f"could not clean up {root}: {exc}", stacklevel=4)


@contextlib.contextmanager
def cleaned_up(stop: Callable[[], None], root: Path) -> Iterator[None]:
    """When the block ends, call `stop()` and delete `root`, however the block ends.

    While an exception (KeyboardInterrupt included) propagates from the block, a failure
    to clean up is only a warning, so that it does not hide the exception.
    """
    try:
        yield
    except BaseException:
        _remove(stop, root, quiet=True)
        raise
    _remove(stop, root, quiet=False)
