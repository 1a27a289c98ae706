"""Supervision: start a part detached, wait for its probe, stop, kill, read its log.

State lives in the state directory (settings.STACK, <repo>/.stack by default): run/<part>.json records {"pid", "start", "port", "argv"} (the start time from
/proc tells a recycled pid from ours), logs/<part>.log its output (the previous run's: .log.1).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .common import StackError, port_open, port_owner, print_tail, rel, say
from .installs import install_for
from .settings import LOGS, REPO, RUN
from .topology import HOST


def proc_start_time(pid: int) -> str | None:
    """Start time from /proc/<pid>/stat, or None if gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]


@dataclass
class Part:
    """One process of the stack (a server, a service or the gateway)."""
    name: str
    port: int
    argv: list[str]
    ready: Callable[[], bool]
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = REPO
    install: Callable[[], object] | None = None  # fill the cache (first time)
    prepare: Callable[[], None] | None = None  # render config, format, ...
    start_timeout: float = 60.0
    stop_timeout: float = 8.0
    extra_ports: tuple[int, ...] = ()
    proc: subprocess.Popen | None = None  # set when started by this run

    @property
    def pidfile(self) -> Path:
        return RUN / f"{self.name}.json"

    @property
    def log(self) -> Path:
        return LOGS / f"{self.name}.log"

    def pid(self) -> int | None:
        """The pid of our running process, or None."""
        try:
            info = json.loads(self.pidfile.read_text())
        except (OSError, ValueError):
            return None
        if proc_start_time(info["pid"]) != info["start"]:
            return None
        return info["pid"]

    def recorded_port(self) -> int:
        with contextlib.suppress(OSError, ValueError, KeyError):
            return json.loads(self.pidfile.read_text())["port"]
        return self.port


def launch(part: Part) -> None:
    """Start detached: own session (survives this command and the terminal,
    and can be stopped as a process group), output into the state directory's logs/."""
    LOGS.mkdir(parents=True, exist_ok=True)
    RUN.mkdir(parents=True, exist_ok=True)
    if part.log.exists():  # keep one previous log, so the current one is clean
        part.log.replace(part.log.with_suffix(".log.1"))
    with open(part.log, "ab") as out:
        out.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} "
                  f"{' '.join(part.argv)}\n".encode())
        out.flush()
        part.proc = subprocess.Popen(
            part.argv, cwd=part.cwd, env=part.env, stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    info = {"pid": part.proc.pid, "start": None, "port": part.port, "argv": part.argv}
    for _ in range(50):  # /proc entry appears right after fork
        info["start"] = proc_start_time(part.proc.pid)
        if info["start"]:
            break
        time.sleep(0.01)
    part.pidfile.write_text(json.dumps(info))


def ensure_started(part: Part) -> bool:
    """Start `part` unless it already runs. Returns True when the caller must
    wait for it to become ready, False when it is up and healthy already."""
    pid = part.pid()
    if pid is not None:
        if part.ready():
            say(f"{part.name}: already running (pid {pid}, port {part.port})")
            return False
        say(f"{part.name}: running (pid {pid}) but not ready yet; waiting")
        return True
    for port in (part.port, *part.extra_ports):
        if port_open(port):
            raise StackError(
                f"{part.name}: port {port} is already in use by {port_owner(port)}. "
                f"Stop that process, or choose another port via the environment "
                f"(see `stack.py --help`).")
    if part.prepare:
        part.prepare()
    say(f"{part.name}: starting on {HOST}:{part.port} (log: {rel(part.log)})")
    launch(part)
    return True


def wait_ready(parts: list[Part]) -> None:
    """Poll until every part answers its readiness probe. A part that exits
    meanwhile fails the whole command with the end of its log."""
    pending = {p.name: p for p in parts}
    started = time.monotonic()
    while pending:
        for name, part in list(pending.items()):
            if part.ready():
                say(f"{name}: ready ({time.monotonic() - started:.1f}s)")
                del pending[name]
                continue
            exited = part.proc.poll() if part.proc else (None if part.pid() else -1)
            if exited is not None:
                print_tail(part.log, 30)
                raise StackError(f"{name} exited during start-up (code {exited}); "
                                 f"log: {rel(part.log)}")
            if time.monotonic() - started > part.start_timeout:
                print_tail(part.log, 30)
                raise StackError(f"{name} not ready after {part.start_timeout:.0f}s "
                                 f"(still running, pid {part.pid()}); log: {rel(part.log)}")
        if pending:
            time.sleep(0.2)


def start_and_wait(parts: list[Part]) -> None:
    install_for(parts)
    wait_ready([p for p in parts if ensure_started(p)])


def stop(parts: list[Part]) -> None:
    """SIGTERM each process group, wait (all in parallel), then SIGKILL."""
    running = {}
    for part in parts:
        pid = part.pid()
        if pid is None:
            part.pidfile.unlink(missing_ok=True)
            continue
        say(f"{part.name}: stopping (pid {pid})")
        _signal(pid, signal.SIGTERM)
        running[part.name] = (part, pid, time.monotonic() + part.stop_timeout)
    while running:
        for name, (part, pid, deadline) in list(running.items()):
            if part.pid() is None:
                del running[name]
                part.pidfile.unlink(missing_ok=True)
            elif time.monotonic() > deadline:
                say(f"{name}: did not stop in {part.stop_timeout:.0f}s; SIGKILL")
                _signal(pid, signal.SIGKILL)
                running[name] = (part, pid, time.monotonic() + 5)
        if running:
            time.sleep(0.1)


def _signal(pid: int, sig: int) -> None:
    # Our processes lead their own session/group: signal the group so that
    # children (nginx workers, ...) go too. Fall back to the pid alone.
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def kill(part: Part) -> int:
    """kill -9 the part's process group, as a crash would (no clean shutdown); its pid."""
    pid = part.pid()
    if pid is None:
        raise StackError(f"{part.name} is not running")
    _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while part.pid() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    return pid


def state(part: Part) -> tuple[int | None, int, str]:
    """The part's pid (None when it is not running), its port and its state, as `status` shows them."""
    pid = part.pid()
    port = part.recorded_port() if pid else part.port
    if pid and part.ready():
        return pid, port, "up"
    if pid:
        return pid, port, "running, not ready"
    if port_open(port):
        return pid, port, f"down (port in use by {port_owner(port)})"
    return pid, port, "down"


def log_files() -> list[Path]:
    return sorted(LOGS.glob("*.log")) if LOGS.exists() else []


def log_path(name: str) -> Path:
    path = LOGS / f"{name}.log"
    if not path.exists():
        raise StackError(f"no log {rel(path)}; `stack.py logs` lists them")
    return path


def last_lines(path: Path, lines: int) -> str:
    return "\n".join(path.read_bytes().decode(errors="replace").splitlines()[-lines:])


def follow(path: Path) -> None:
    """tail -f, following a log that is rotated when its part restarts."""
    fh = open(path, "rb")
    fh.seek(0, os.SEEK_END)
    inode = os.fstat(fh.fileno()).st_ino
    try:
        while True:
            chunk = fh.read()
            if chunk:
                sys.stdout.write(chunk.decode(errors="replace"))
                sys.stdout.flush()
                continue
            with contextlib.suppress(OSError):
                if os.stat(path).st_ino != inode:  # rotated: reopen from start
                    fh.close()
                    fh = open(path, "rb")
                    inode = os.fstat(fh.fileno()).st_ino
                    continue
            time.sleep(0.3)
    except KeyboardInterrupt:
        pass
    finally:
        fh.close()
