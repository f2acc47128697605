"""How a throwaway server's process runs, is started and is stopped: the part of an
engine that is behaviour rather than data, in the two forms our engines need.

- `ControlProgram`: a control program (PostgreSQL's pg_ctl) starts the server in the
  background, waits until it accepts connections, and stops it; the server writes its
  process id to a file in its data directory.
- `ForegroundChild`: the server (mariadbd) runs in the foreground as our own child
  process; a probe of its socket says when it accepts connections, a signal stops it.

Each is a frozen dataclass holding the engine's commands (functions of the server that
build a command line), named in its `ServerEngine.process`. Only the standard library
is used here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlgen.verify.servers import Argv, file_size, process_alive, spawn_as, wait_until_gone

if TYPE_CHECKING:
    from sqlgen.verify.throwaway import ThrowawayServer

__all__ = ["CONTROL_SLACK", "ControlProgram", "ForegroundChild", "ServerProcess"]

# a control program is given a timeout of its own: we wait this much longer for it
CONTROL_SLACK = 30


class ServerProcess(Protocol):
    """How a server's process is started, found and stopped."""

    def start(self, server: ThrowawayServer, timeout: float, options: Sequence[str]) -> None:
        """Start the server on `server.port` with extra server `options`; return once it
        accepts connections, or raise the engine's start error within about `timeout`s."""
        ...

    def pid(self, server: ThrowawayServer) -> int | None:
        """The server's process id while it runs."""
        ...

    def stop(self, server: ThrowawayServer, timeout: float) -> None:
        """Stop the server now, killing it if it has not ended within `timeout` seconds.
        Idempotent."""
        ...


@dataclass(frozen=True)
class ControlProgram:
    """A control program starts the server in the background, waiting until it accepts
    connections, and stops it; the server notes its process id in `pid_file`.

    The commands run as the server's owner (`ThrowawayServer.run_as_owner`).
    """

    # (server, timeout, options): start on server.port, waiting up to timeout seconds
    start_command: Callable[[ThrowawayServer, float, Sequence[str]], Argv]
    # (server, timeout): stop, waiting up to timeout seconds
    stop_command: Callable[[ThrowawayServer, float], Argv]
    pid_file: str  # in the data directory; its first line is the process id

    def start(self, server: ThrowawayServer, timeout: float, options: Sequence[str]) -> None:
        logged = file_size(server.log_path)
        argv = self.start_command(server, timeout, options)
        done = server.run_as_owner(argv, timeout=timeout + CONTROL_SLACK)
        if done.returncode != 0:
            raise server.start_error(
                f"{server.installation.server.name} start failed (exit {done.returncode}) "
                f"on port {server.port}:\n{done.stdout}{done.stderr}",
                port_in_use=server.port_taken(since=logged),
            )

    def pid(self, server: ThrowawayServer) -> int | None:
        try:
            first = (server.data_dir / self.pid_file).read_text().split("\n", 1)[0]
        except OSError:
            return None
        return int(first) if first.strip().isdigit() else None

    def stop(self, server: ThrowawayServer, timeout: float) -> None:
        """The stop command first; SIGKILL if the server outlives it."""
        pid = self.pid(server)
        if pid is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.run_as_owner(self.stop_command(server, timeout), timeout=timeout + CONTROL_SLACK)
        if process_alive(pid) and self._runs_on(server, pid):
            os.kill(pid, signal.SIGKILL)
            wait_until_gone(pid, 10)

    def _runs_on(self, server: ThrowawayServer, pid: int) -> bool:
        """Whether `pid` is a server started on our data directory (and not some other
        process that reused the number of a server that died without cleaning up)."""
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return self.pid(server) == pid  # no /proc: the pid file is all we have
        return os.fsencode(server.data_dir) in argv


# whether a server at an address (a socket path, or host and port) accepts connections
Probe = Callable[[socket.AddressFamily, str | tuple[str, int]], bool]


@dataclass(frozen=True)
class ForegroundChild:
    """The server runs in the foreground as our own child (`servers.spawn_as`, as the
    server's owner): it is ready when `greets` says so on its socket, then on its TCP
    port, and `stop_signal` stops it. Only ever the process we started is signalled."""

    command: Callable[[ThrowawayServer, Sequence[str]], Argv]  # (server, options)
    greets: Probe
    socket_name: str  # its Unix socket, in the server's directory
    output_name: str  # gets its stdout and stderr, in the server's directory
    stop_signal: signal.Signals = signal.SIGTERM

    def start(self, server: ThrowawayServer, timeout: float, options: Sequence[str]) -> None:
        logged = file_size(server.log_path)
        output = server.root / self.output_name
        program, port = server.installation.server.name, server.port
        child = server.child = spawn_as(
            self.command(server, options),
            server.installation.os_user,
            cwd=server.root,
            env=server.env(),
            output=output,
        )
        deadline = time.monotonic() + timeout
        # the socket is in our own directory: what answers there is our server, and
        # it binds its TCP port before it creates the socket (or exits if it can't)
        while not self.greets(socket.AF_UNIX, str(server.root / self.socket_name)):
            code = child.poll()
            if code is not None:
                raise server.start_error(
                    f"{program} exited with status {code} on port {port}",
                    port_in_use=server.port_taken(since=logged),
                    output=output,
                )
            if time.monotonic() > deadline:
                raise server.start_error(
                    f"{program} did not accept connections within {timeout}s on port {port}",
                    output=output,
                )
            time.sleep(0.05)
        if not self.greets(socket.AF_INET, (server.host, port)):
            raise server.start_error(
                f"{program} is up, but not reachable at {server.host}:{port}", output=output
            )

    def pid(self, server: ThrowawayServer) -> int | None:
        child = server.child
        return child.pid if child is not None and child.poll() is None else None

    def stop(self, server: ThrowawayServer, timeout: float) -> None:
        """`stop_signal`, then SIGKILL if the server has not ended after `timeout`s."""
        child = server.child
        if child is None:
            return
        if child.poll() is None:
            child.send_signal(self.stop_signal)
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(30)
        server.child = None
