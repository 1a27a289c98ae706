"""Small helpers of every module: messages, long commands with a log, locks, sockets, HTTP, templates."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from .settings import REPO
from .topology import HOST

PROGRESS_EVERY = 30.0  # seconds between progress lines of a long build


class StackError(Exception):
    """A failure with a message for the user (printed without traceback)."""


def say(msg: str) -> None:
    print(f"[stack] {msg}", flush=True)


def rel(path: Path) -> str:
    """Path relative to the repo for messages (shorter, machine-neutral)."""
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def need_tool(name: str, hint: str) -> str:
    path = shutil.which(name)
    if not path:
        raise StackError(f"'{name}' not found on PATH ({hint})")
    return path


def run_logged(argv: list[str], log: Path, cwd: Path | None = None,
               env: dict | None = None, what: str = "",
               progress: Callable[[str, float], None] | None = None) -> None:
    """Run a (long) install command with its output in a log file; on
    failure show the end of that log. `progress(output so far, seconds)` is
    called every PROGRESS_EVERY seconds while it runs."""
    log.parent.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        offset = out.tell()
        with subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL) as proc:
            while True:
                try:
                    rc = proc.wait(timeout=PROGRESS_EVERY if progress else None)
                    break
                except subprocess.TimeoutExpired:
                    with open(log, "rb") as fh:
                        fh.seek(offset)
                        progress(fh.read().decode(errors="replace"), time.monotonic() - began)
    if rc != 0:
        print_tail(log, 30)
        raise StackError(f"{what or argv[0]} failed (exit {rc}); full log: {rel(log)}")


@contextlib.contextmanager
def file_lock(path: Path, what: str):
    """Exclusive lock so two stack.py runs never build or start the same
    thing at once (e.g. `make up` in two terminals)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another stack.py ({what})...")
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def port_open(port: int, timeout: float = 0.3) -> bool:
    with contextlib.suppress(OSError):
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    return False


def port_owner(port: int) -> str:
    """Who listens on 127.0.0.1:port, for error messages ("pid 12 (java)")."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(cols[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    comm = (proc / "comm").read_text().strip()
                    return f"pid {proc.name} ({comm})"
    return "an unknown process"


# Health checks must not go through an HTTP proxy from the environment.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_status(url: str, timeout: float = 1.0) -> int | None:
    try:
        with _HTTP.open(url, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def print_tail(path: Path, lines: int) -> None:
    if not path.exists():
        print(f"  (no log at {rel(path)})", flush=True)
        return
    text = path.read_bytes().decode(errors="replace").splitlines()
    print(f"---- last {lines} lines of {rel(path)} ----", flush=True)
    for line in text[-lines:]:
        print(f"  {line}")
    print("----", flush=True)


def render(template: Path, dest: Path, values: dict[str, str]) -> Path:
    """Fill @NAME@ placeholders ($ and {} are taken by nginx and Kafka)."""
    text = template.read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise StackError(f"unfilled placeholders {left} in {rel(template)}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text)
    return dest
