#!/usr/bin/env python3
"""Local stack runner: real servers as plain processes, no Docker.

    python3 deploy/local/stack.py servers-up     Kafka, SecantusDB, S3 server
    python3 deploy/local/stack.py servers-down
    python3 deploy/local/stack.py python-env     .venv + editable installs
    python3 deploy/local/stack.py up [--seed]    servers + services + gateway
    python3 deploy/local/stack.py down
    python3 deploy/local/stack.py status
    python3 deploy/local/stack.py logs [NAME] [-f] [-n LINES]
    python3 deploy/local/stack.py restart NAME
    python3 deploy/local/stack.py stop NAME | start NAME
    python3 deploy/local/stack.py kill NAME      SIGKILL at once (fault tests)

Standard library only: it has to run with the system python3 on a fresh
machine, before any virtualenv exists.

Runtime state (pid files, logs, data, generated configs) lives in
<repo>/.stack/. Downloads and builds are cached per version under
${XDG_CACHE_HOME:-~/.cache}/shared-audits/, so only the first start is slow.
Every address is 127.0.0.1; every port can be changed with the environment
variable named in PORTS / SERVICES below.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# --------------------------------------------------------------------------
# The table of Python services: name, ASGI app, default port, gateway prefix.
# A service serves everything under its prefix itself (/caps/docs, ...), so
# the gateway passes paths through unchanged. The port can be overridden
# with <NAME>_PORT (e.g. CAP_SERVICE_PORT=9103). access-control comes first:
# the others fetch its JWKS at start-up.
# --------------------------------------------------------------------------
SERVICES = [
    ("access-control", "access_control.main:app", 8105, "/access/"),
    ("factory-registry", "factory_registry.main:app", 8101, "/registry/"),
    ("audit-service", "audit_service.main:app", 8102, "/audits/"),
    ("cap-service", "cap_service.main:app", 8103, "/caps/"),
    ("evidence-store", "evidence_store.main:app", 8104, "/evidence/"),
    ("notifier", "notifier.main:app", 8106, "/notifier/"),
    # The web portal answers everything the API prefixes above do not: pages at the gateway's root.
    ("portal", "portal.main:app", 8107, "/"),
]
PORTAL = "portal"
# The people `make seed` creates for the portal (shared_audits_client.demo.demo_users).
DEMO_PASSWORD = "shared-audits-demo"  # pragma: allowlist secret
DEMO_SIGN_INS = [("operator", "operator@demo.example.org"), ("member (Brand A)", "brand-a@demo.example.org"),
                 ("member (Brand B)", "brand-b@demo.example.org"), ("factory", "factory@demo.example.org"),
                 ("audit company", "auditor@demo.example.org")]
FIRST_SERVICE = "access-control"

KAFKA_VERSION = "4.1.1"  # also in kafka/pom.xml (passed to mvn as -Dkafka.version)
# Built with cargo; DESIGN.md section 8 (GPL-2.0: a separate process, never linked).
SECANTUS_VERSION = "0.5.3-beta.196"
VERSITYGW_VERSION = "v1.8.0"
VERSITYGW_PKG = "github.com/versity/versitygw/cmd/versitygw"

HOST = "127.0.0.1"  # never anything else

# Kafka, MongoDB and S3 run elsewhere (testcontainers): start only services and gateway.
EXTERNAL_SERVERS = os.environ.get("STACK_EXTERNAL_SERVERS") == "1"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


KAFKA_PORT = env_int("KAFKA_PORT", 19092)
KAFKA_CONTROLLER_PORT = env_int("KAFKA_CONTROLLER_PORT", 19093)
MONGO_PORT = env_int("MONGO_PORT", 27018)
S3_PORT = env_int("S3_PORT", 19000)
GATEWAY_PORT = env_int("GATEWAY_PORT", 8080)
# WiredTiger's cache inside SecantusDB (its own default, 4G, is sized for a server).
SECANTUS_CACHE_SIZE = os.environ.get("SECANTUS_CACHE_SIZE") or "512M"

S3_ACCESS_KEY = os.environ.get("S3_ACCESS_KEY") or "devaccess"
S3_SECRET_KEY = os.environ.get("S3_SECRET_KEY") or "devsecret-change-me"
S3_REGION = os.environ.get("S3_REGION") or "us-east-1"

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
STACK = REPO / ".stack"
LOGS = STACK / "logs"
RUN = STACK / "run"
DATA = STACK / "data"
CONF = STACK / "conf"
VENV = REPO / ".venv"
VENV_PY = VENV / "bin" / "python"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shared-audits"

GATEWAY_URL = f"http://{HOST}:{GATEWAY_PORT}"
# Gateway rate limits per client address (nginx limit_req): login, and every request.
GATEWAY_LOGIN_RATE = os.environ.get("GATEWAY_LOGIN_RATE") or "5r/s"
GATEWAY_LOGIN_BURST = env_int("GATEWAY_LOGIN_BURST", 10)
GATEWAY_API_RATE = os.environ.get("GATEWAY_API_RATE") or "1000r/s"
GATEWAY_API_BURST = env_int("GATEWAY_API_BURST", 2000)

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


# --------------------------------------------------------------------------
# Small helpers: commands, locks, sockets, HTTP
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# Readiness probes (stdlib sockets: they must work before any venv exists)
# --------------------------------------------------------------------------

def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def _kafka_call(sock: socket.socket, api_key: int, version: int, body: bytes) -> bytes:
    """One request with header v1 (non-flexible); returns the response body."""
    client = b"stack-probe"
    header = struct.pack(">hhih", api_key, version, 7, len(client)) + client
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", _recv_exact(sock, 4))[0]
    data = _recv_exact(sock, size)
    return data[4:]  # drop correlation id (response header v0)


def kafka_ready(port: int) -> bool:
    """A TCP connect is not enough: the broker must answer ApiVersions and a
    Metadata request that lists at least one broker."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as sock:
            sock.settimeout(2.0)
            body = _kafka_call(sock, 18, 0, b"")  # ApiVersions v0
            error, count = struct.unpack(">hi", body[:6])
            if error not in (0, 35):  # 35 = UNSUPPORTED_VERSION, still lists ranges
                return False
            ranges = {}
            for i in range(count):
                key, lo, hi = struct.unpack(">hhh", body[6 + 6 * i: 12 + 6 * i])
                ranges[key] = (lo, hi)
            lo, hi = ranges.get(3, (0, -1))
            if not lo <= 4 <= hi:  # Metadata v4 is the oldest Kafka 4 still has
                return error == 0
            # Metadata v4: all topics (null array), no auto-creation.
            body = _kafka_call(sock, 3, 4, struct.pack(">ib", -1, 0))
            brokers = struct.unpack(">i", body[4:8])[0]  # after throttle_time_ms
            return brokers >= 1
    except (OSError, ConnectionError, struct.error):
        return False


def _bson_ok(doc: bytes) -> bool:
    """Find the top-level numeric 'ok' field of a BSON document."""
    pos, end = 4, struct.unpack("<i", doc[:4])[0] - 1
    fixed = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16}
    while pos < end:
        kind = doc[pos]
        name_end = doc.index(b"\x00", pos + 1)
        name = doc[pos + 1:name_end]
        pos = name_end + 1
        if name == b"ok":
            if kind == 0x01:
                return struct.unpack("<d", doc[pos:pos + 8])[0] == 1.0
            if kind == 0x10:
                return struct.unpack("<i", doc[pos:pos + 4])[0] == 1
            return False
        if kind in fixed:
            pos += fixed[kind]
        elif kind == 0x02:
            pos += 4 + struct.unpack("<i", doc[pos:pos + 4])[0]
        elif kind in (0x03, 0x04):
            pos += struct.unpack("<i", doc[pos:pos + 4])[0]
        elif kind == 0x05:
            pos += 5 + struct.unpack("<i", doc[pos:pos + 4])[0]
        else:
            return False
    return False


def mongo_ready(port: int) -> bool:
    """MongoDB `ping` as one OP_MSG, answered with ok: 1."""
    def cstr(s: str) -> bytes:
        return s.encode() + b"\x00"
    elements = (b"\x10" + cstr("ping") + struct.pack("<i", 1)
                + b"\x02" + cstr("$db") + struct.pack("<i", 6) + cstr("admin"))
    doc = struct.pack("<i", 4 + len(elements) + 1) + elements + b"\x00"
    body = struct.pack("<I", 0) + b"\x00" + doc  # flagBits, section kind 0
    msg = struct.pack("<iiii", 16 + len(body), 1, 0, 2013) + body
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as sock:
            sock.settimeout(2.0)
            sock.sendall(msg)
            length = struct.unpack("<i", _recv_exact(sock, 4))[0]
            reply = _recv_exact(sock, length - 4)
            return _bson_ok(reply[12 + 4 + 1:])  # header rest, flags, kind
    except (OSError, ConnectionError, struct.error, ValueError):
        return False


def http_ready(url: str) -> Callable[[], bool]:
    return lambda: http_status(url) == 200


# --------------------------------------------------------------------------
# Processes: pid files with start times (a recycled pid is not "ours")
# --------------------------------------------------------------------------

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
    and can be stopped as a process group), output into .stack/logs/."""
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


# --------------------------------------------------------------------------
# Installs (cached per version outside the repo)
# --------------------------------------------------------------------------

def kafka_home() -> Path:
    return CACHE / f"kafka-{KAFKA_VERSION}"


def install_kafka() -> None:
    """Kafka broker jars + log4j2 backend, fetched with mvn from the POM."""
    pom = HERE / "kafka" / "pom.xml"
    home = kafka_home()
    stamp = home / ".complete"
    # The stamp remembers which POM the jars came from: editing the POM
    # (e.g. another log4j version) refreshes the cache.
    want = hashlib.sha256(pom.read_bytes() + KAFKA_VERSION.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == want:
        return
    with file_lock(CACHE / f"kafka-{KAFKA_VERSION}.lock", "Kafka install"):
        if stamp.exists() and stamp.read_text() == want:
            return
        mvn = need_tool("mvn", "Maven 3.8+ is needed to fetch the Kafka jars")
        need_tool("java", "Java 17+ is needed to run Kafka")
        say(f"installing Kafka {KAFKA_VERSION} jars (first time, takes a minute)...")
        tmp = home / "libs.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        home.mkdir(parents=True, exist_ok=True)
        run_logged([mvn, "-B", "-q", "-f", str(pom), f"-Dkafka.version={KAFKA_VERSION}",
                    "dependency:copy-dependencies", "-DincludeScope=runtime",
                    f"-DoutputDirectory={tmp}"],
                   LOGS / "install-kafka.log", cwd=HERE / "kafka", what="mvn (Kafka jars)")
        sync_dir(tmp, home / "libs")
        stamp.write_text(want)
        say(f"Kafka {KAFKA_VERSION}: {len(list((home / 'libs').glob('*.jar')))} jars "
            f"in {home / 'libs'}")


def sync_dir(src: Path, dest: Path) -> None:
    """Move src's files into dest, replacing only what changed, then drop
    dest's extra files. Another checkout's Kafka may run from these jars:
    unchanged jars stay as they are, a replaced one is a new inode (rename),
    so a running JVM keeps reading the files it has open."""
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {f.name for f in src.iterdir()}
    for name in wanted:
        new, old = src / name, dest / name
        if not old.exists() or old.read_bytes() != new.read_bytes():
            os.replace(new, old)
    for old in dest.iterdir():
        if old.name not in wanted:
            old.unlink()
    shutil.rmtree(src)


def go_env() -> dict[str, str]:
    # Static binaries; no go.work of some parent directory may interfere.
    return {**os.environ, "CGO_ENABLED": "0", "GOWORK": "off", "GOFLAGS": "-mod=readonly"}


def binary_ok(binary: Path) -> bool:
    """A binary counts once it has run `--version` successfully; a stamp
    file remembers that so later starts do not re-run it."""
    stamp = binary.with_name(".ok")
    if binary.exists() and stamp.exists():
        return True
    if not binary.exists():
        return False
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        if subprocess.run([str(binary), "--version"], capture_output=True,
                          timeout=20).returncode == 0:
            stamp.write_text("ok\n")
            return True
    return False


def secantus_bin() -> Path:
    return CACHE / f"secantus-{SECANTUS_VERSION}" / "secantusd-rs"


def install_secantus() -> None:
    """SecantusDB with `cargo install` into a scratch root; only the finished
    binary is moved into the cache, so a half-finished build never counts."""
    binary = secantus_bin()
    if binary_ok(binary):
        return
    with file_lock(CACHE / f"secantus-{SECANTUS_VERSION}.lock", "SecantusDB build"):
        if binary_ok(binary):
            return
        cargo = need_tool("cargo", "Rust (rustup) is needed to build SecantusDB")
        need_cmake()
        need_tool("cc", "a C compiler builds SecantusDB's bundled WiredTiger; "
                        "run `sudo apt-get install -y build-essential`")
        root = CACHE / f"secantus-{SECANTUS_VERSION}.build"
        log = LOGS / "install-secantus.log"
        say(f"building SecantusDB {SECANTUS_VERSION} with cargo (first time: 15-30 minutes on "
            f"2 cores, the last few crates, its own, take half of it; log: {rel(log)})...")
        # The crate declares a newer Rust than this machine's; it builds with the older one.
        # Its target dir is kept on failure or Ctrl-C: the next run resumes, not restarts.
        run_logged([cargo, "install", "secantus-mdb", "--version", SECANTUS_VERSION,
                    "--locked", "--ignore-rust-version", "--root", str(root)],
                   log, env={**os.environ, "CARGO_TARGET_DIR": str(root / "target")},
                   what="cargo install secantus-mdb", progress=say_cargo_progress)
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.with_name(".ok").unlink(missing_ok=True)
        os.replace(root / "bin" / "secantusd-rs", binary)
        shutil.rmtree(root, ignore_errors=True)
        if not binary_ok(binary):
            raise StackError(f"the SecantusDB build does not run: {binary} --version")
        say(f"SecantusDB {SECANTUS_VERSION}: {binary}")


def say_cargo_progress(output: str, elapsed: float) -> None:
    """One line on a running cargo build: how many crates it has begun, and the latest."""
    crates = re.findall(r"^\s*Compiling (\S+ v\S+)", output, re.MULTILINE)
    done = (f"crates compiled so far: {len(crates)}, last {crates[-1]}"
            if crates else "fetching crates")
    say(f"  cargo, {int(elapsed // 60)}m{int(elapsed % 60):02d}s: {done}")


def need_cmake() -> None:
    """cmake builds the WiredTiger inside SecantusDB; as root, install it."""
    if shutil.which("cmake"):
        return
    if os.geteuid() != 0:
        raise StackError("cmake is not installed; run `sudo apt-get install -y cmake`")
    say("installing cmake from Debian packages (apt-get, first time)...")
    apt_get_install("cmake", LOGS / "install-cmake.log")
    need_tool("cmake", "still not found after apt-get install cmake")


def versitygw_bin() -> Path:
    return CACHE / f"versitygw-{VERSITYGW_VERSION}" / "versitygw"


def install_versitygw() -> None:
    binary = versitygw_bin()
    if binary_ok(binary):
        return
    with file_lock(binary.parent.with_suffix(".lock"), "versitygw build"):
        if binary_ok(binary):
            return
        go = need_tool("go", "Go 1.24+ is needed to build versitygw")
        say(f"building versitygw {VERSITYGW_VERSION} with go (first time, a few minutes)...")
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.with_name(".ok").unlink(missing_ok=True)
        run_logged([go, "install", f"-ldflags=-X main.Version={VERSITYGW_VERSION}",
                    f"{VERSITYGW_PKG}@{VERSITYGW_VERSION}"],
                   LOGS / "install-versitygw.log", cwd=binary.parent,
                   env={**go_env(), "GOBIN": str(binary.parent)},
                   what="go install (versitygw)")
        if not binary_ok(binary):
            raise StackError(f"the versitygw build does not run: {binary} --version")


def install_for(parts: list[Part]) -> None:
    """Run the installs of the parts that are not running, side by side (a
    cold machine spends minutes here compiling Go, and SecantusDB's Rust for
    longer). A running part is never touched: replacing the jars under a live
    Kafka would break it."""
    jobs = [p.install for p in parts if p.install and p.pid() is None]
    if not jobs:
        return
    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(job) for job in jobs]
    errors = [f.exception() for f in futures if f.exception()]
    if errors:
        for err in errors[1:]:
            say(f"error: {err}")
        raise errors[0]


def find_nginx() -> str | None:
    # /usr/sbin is often missing from a non-root PATH.
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def apt_get_install(package: str, log: Path) -> None:
    """apt-get install one Debian package (as root); a fresh machine has no
    package lists yet, so a failure runs apt-get update and retries once."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", package]
    try:
        run_logged(install, log, env=env, what=f"apt-get install {package}")
    except StackError:
        say("apt-get install failed; running apt-get update and retrying")
        run_logged(["apt-get", "update"], log, env=env, what="apt-get update")
        run_logged(install, log, env=env, what=f"apt-get install {package}")


def install_nginx() -> str:
    nginx = find_nginx()
    if nginx:
        return nginx
    if os.geteuid() != 0:
        raise StackError("nginx is not installed; run `sudo apt-get install -y nginx-light`")
    say("installing nginx from Debian packages (apt-get, first time)...")
    log = LOGS / "install-nginx.log"
    try:
        apt_get_install("nginx-light", log)
    except StackError:
        say("no nginx-light package (newer Debian); installing nginx")
        apt_get_install("nginx", log)
    nginx = find_nginx()
    if not nginx:
        raise StackError("nginx still not found after apt-get install")
    return nginx


CHROMIUM = "/usr/bin/chromium"


def install_chromium() -> str:
    """Debian's Chromium for the portal's browser tests (Playwright drives it; it downloads nothing)."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.geteuid() != 0:
        raise StackError("Chromium is not installed; run `sudo apt-get install -y chromium`")
    say("installing Chromium from Debian packages for the browser tests (apt-get, first time)...")
    apt_get_install("chromium", LOGS / "install-chromium.log")
    if not os.path.exists(CHROMIUM):
        raise StackError(f"{CHROMIUM} still missing after apt-get install chromium")
    return CHROMIUM


# The portal's PDFs (WeasyPrint): Pango and HarfBuzz lay out the text, Noto covers Latin, Bengali
# (fonts-noto-core) and Chinese (fonts-noto-cjk); poppler-utils' pdftoppm lets the tests look at a page.
PDF_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-core",
                "fonts-noto-cjk", "poppler-utils")


def missing_debian_packages(packages: tuple[str, ...]) -> list[str]:
    """The packages dpkg does not know as installed (one dpkg-query call; fast when all are there)."""
    if not shutil.which("dpkg-query"):
        return []  # not a Debian system: nothing we can check or install this way
    result = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n", *packages],
                            capture_output=True, text=True)
    installed = {line.split()[0] for line in result.stdout.splitlines() if line.endswith(" installed")}
    return [package for package in packages if package not in installed]


def install_pdf_libraries(required: bool = True) -> None:
    """What the portal needs to make PDFs, from Debian packages, only those missing. Not ``required``
    (starting the stack), a user who cannot install them is warned: the pages work, the PDFs answer 503."""
    missing = missing_debian_packages(PDF_PACKAGES)
    if not missing:
        return
    if os.geteuid() != 0:
        advice = f"the portal's PDFs need Debian packages; run `sudo apt-get install -y {' '.join(missing)}`"
        if not required:
            say(f"warning: {advice}")
            return
        raise StackError(advice)
    say(f"installing {', '.join(missing)} from Debian packages for the portal's PDFs (apt-get, first time)...")
    for package in missing:
        apt_get_install(package, LOGS / "install-pdf-libraries.log")
    still = missing_debian_packages(PDF_PACKAGES)
    if still:
        raise StackError(f"still missing after apt-get install: {', '.join(still)}")


# --------------------------------------------------------------------------
# The servers: Kafka, SecantusDB, versitygw (S3)
# --------------------------------------------------------------------------

def kafka_part() -> Part:
    conf = CONF / "kafka" / "server.properties"
    data = DATA / "kafka"
    java = shutil.which("java") or "java"
    heap = os.environ.get("KAFKA_HEAP_OPTS", "-Xms256m -Xmx768m").split()
    jvm = [java, *heap, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
           "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
           f"-Dlog4j2.configurationFile={HERE / 'kafka' / 'log4j2.properties'}",
           "-cp", str(kafka_home() / "libs" / "*")]

    def prepare() -> None:
        render(HERE / "kafka" / "server.properties", conf, {
            "KAFKA_PORT": str(KAFKA_PORT),
            "KAFKA_CONTROLLER_PORT": str(KAFKA_CONTROLLER_PORT),
            "KAFKA_DATA_DIR": str(data),
        })
        if (data / "meta.properties").exists():
            return
        # Format the storage once per data dir. With
        # controller.quorum.bootstrap.servers (dynamic quorum) the single
        # node must be formatted --standalone; -g makes a repeat harmless.
        say("kafka: formatting storage (first start of this .stack)")
        data.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(jvm + ["kafka.tools.StorageTool", "random-uuid"],
                             capture_output=True, text=True)
        cluster_id = out.stdout.strip().splitlines()[-1] if out.returncode == 0 else ""
        if not cluster_id:
            raise StackError(f"kafka StorageTool random-uuid failed:\n{out.stdout}{out.stderr}")
        run_logged(jvm + ["kafka.tools.StorageTool", "format", "--standalone", "-g",
                          "-t", cluster_id, "-c", str(conf)],
                   LOGS / "kafka-format.log", what="kafka storage format")

    return Part("kafka", KAFKA_PORT, jvm + ["kafka.Kafka", str(conf)],
                ready=lambda: kafka_ready(KAFKA_PORT), install=install_kafka, prepare=prepare,
                start_timeout=120, stop_timeout=20,
                extra_ports=(KAFKA_CONTROLLER_PORT,))


def secantus_part() -> Part:
    data = DATA / "secantus"
    # An empty config of our own: without --config it would read a secantusd.toml found in
    # the working or home directory (auth, TLS) under these flags.
    config = CONF / "secantusd.toml"
    argv = [str(secantus_bin()), "--config", str(config), "--host", HOST, "--port", str(MONGO_PORT),
            "--storage-path", str(data), "--cache-size", SECANTUS_CACHE_SIZE]

    def prepare() -> None:
        data.mkdir(parents=True, exist_ok=True)
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text("# Settings come from deploy/local/stack.py's command line.\n")

    return Part("secantusdb", MONGO_PORT, argv, ready=lambda: mongo_ready(MONGO_PORT),
                install=install_secantus, prepare=prepare, start_timeout=30, stop_timeout=10)


def xattrs_supported(directory: Path) -> bool:
    """versitygw's posix backend stores object metadata in user xattrs."""
    probe = directory / ".xattr-probe"
    try:
        probe.touch()
        os.setxattr(probe, "user.stack-probe", b"1")
        return os.getxattr(probe, "user.stack-probe") == b"1"
    except OSError:
        return False
    finally:
        probe.unlink(missing_ok=True)


def s3_part() -> Part:
    root = DATA / "s3"
    sidecar = DATA / "s3-meta"  # outside root, or it would show up as a bucket
    # Root credentials via the environment, not argv (argv shows in `ps`).
    env = {**os.environ, "ROOT_ACCESS_KEY": S3_ACCESS_KEY, "ROOT_SECRET_KEY": S3_SECRET_KEY}
    for name in ("LOGFILE", "WEBHOOK"):  # env names versitygw would pick up
        env.pop(name, None)
    argv = [str(versitygw_bin()), "--port", f"{HOST}:{S3_PORT}", "--region", S3_REGION,
            "--health", "/health", "--quiet",
            "--access-log", str(LOGS / "s3-access.log"), "posix"]
    part = Part("s3", S3_PORT, argv, env=env,
                ready=http_ready(f"http://{HOST}:{S3_PORT}/health"),
                install=install_versitygw, start_timeout=30, stop_timeout=5)

    def prepare() -> None:
        root.mkdir(parents=True, exist_ok=True)
        if xattrs_supported(root):
            part.argv.append(str(root))
        else:
            say("s3: no user xattrs on this file system; metadata in a sidecar dir")
            sidecar.mkdir(parents=True, exist_ok=True)
            part.argv += ["--sidecar", str(sidecar), str(root)]

    part.prepare = prepare
    return part


def server_parts() -> list[Part]:
    return [kafka_part(), secantus_part(), s3_part()]


# --------------------------------------------------------------------------
# Python env, services, gateway
# --------------------------------------------------------------------------

def service_port(name: str, default: int) -> int:
    return env_int(name.upper().replace("-", "_") + "_PORT", default)


def service_table() -> list[tuple[str, str, int, str]]:
    return [(n, m, service_port(n, p), prefix) for n, m, p, prefix in SERVICES]


def service_env() -> dict[str, str]:
    """Settings every service gets (on top of os.environ). Only these agreed
    names: the services read their settings from the environment
    (pydantic-settings), so any extra variable could shadow one of theirs."""
    ports = {n: p for n, _, p, _ in service_table()}
    servers = {
        "KAFKA_BOOTSTRAP": f"{HOST}:{KAFKA_PORT}",
        # SecantusDB calls itself a one-node replica set: use this address, no discovery.
        "MONGO_URL": f"mongodb://{HOST}:{MONGO_PORT}/?directConnection=true",
        "S3_ENDPOINT": f"{HOST}:{S3_PORT}",
        "S3_ACCESS_KEY": S3_ACCESS_KEY,
        "S3_SECRET_KEY": S3_SECRET_KEY,
    }
    if EXTERNAL_SERVERS:  # e.g. testcontainers: the caller names the servers
        servers = {name: os.environ.get(name, value) for name, value in servers.items()}
    return {
        **servers,
        "S3_REGION": S3_REGION,
        "S3_SECURE": "false",
        "KAFKA_PORT": str(KAFKA_PORT),
        "MONGO_PORT": str(MONGO_PORT),
        "S3_PORT": str(S3_PORT),
        "GATEWAY_PORT": str(GATEWAY_PORT),
        "JWKS_URL": f"http://{HOST}:{ports[FIRST_SERVICE]}/access/.well-known/jwks.json",
        "PORTAL_GATEWAY_URL": GATEWAY_URL,
        "PORTAL_SERVICE_METRICS": ",".join(f"{name}=http://{HOST}:{port}/metrics"
                                           for name, port in ports.items() if name != PORTAL),
        "PYTHONUNBUFFERED": "1",  # log lines reach .stack/logs at once
    }


def service_parts() -> list[Part]:
    common = {**os.environ, **service_env()}
    parts = []
    for name, module, port, _ in service_table():
        argv = [str(VENV_PY), "-m", "uvicorn", module, "--host", HOST, "--port", str(port)]
        parts.append(Part(name, port, argv, env={**common, "SERVICE_PORT": str(port)},
                          ready=http_ready(f"http://{HOST}:{port}/readyz"),
                          start_timeout=60, stop_timeout=5))
    return parts


def python_packages() -> list[Path]:
    """shared/ and the service dirs that exist (others are warned about)."""
    dirs = [REPO / "shared", REPO / "client", REPO / "tools" / "cli"] + [REPO / "services" / n for n, *_ in SERVICES]
    present = []
    for d in dirs:
        if (d / "pyproject.toml").exists():
            present.append(d)
        else:
            say(f"warning: {rel(d)}/pyproject.toml not found; skipping it")
    return present


def python_env() -> None:
    """Create .venv if missing; pip install -e everything, but only when
    constraints.txt or a pyproject.toml changed since the last install."""
    if VENV_PY.exists() and subprocess.call([str(VENV_PY), "-c", ""]) != 0:
        say(f"{rel(VENV)} is broken (python does not run); recreating it")
        shutil.rmtree(VENV)
    if not VENV_PY.exists():
        say(f"creating {rel(VENV)} with {sys.executable} -m venv")
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    packages = python_packages()
    constraints = REPO / "constraints.txt"
    dev_requirements = REPO / "requirements-dev.txt"
    digest = hashlib.sha256(sys.version.encode())
    for path in [f for f in (constraints, dev_requirements) if f.exists()] + \
            [p / "pyproject.toml" for p in packages]:
        digest.update(rel(path).encode() + b"\0" + path.read_bytes() + b"\0")
    stamp = VENV / ".stack-deps.sha256"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        say("python env: up to date")
        return
    if not packages:
        say("python env: nothing to install yet")
        return
    argv = [str(VENV_PY), "-m", "pip", "install", "--disable-pip-version-check"]
    if constraints.exists():
        argv += ["-c", rel(constraints)]
    else:
        say("warning: constraints.txt not found; installing unconstrained")
    if dev_requirements.exists():
        argv += ["-r", rel(dev_requirements)]
    for p in packages:
        argv += ["-e", rel(p)]
    log = LOGS / "python-env.log"
    say(f"python env: pip install ({len(packages)} packages; log: {rel(log)})...")
    run_logged(argv, log, cwd=REPO, what="pip install")
    stamp.write_text(digest.hexdigest())
    say("python env: installed")


def check_services_present() -> None:
    missing = [n for n, *_ in SERVICES if not (REPO / "services" / n).is_dir()]
    if not VENV_PY.exists():
        raise StackError(f"{rel(VENV_PY)} missing; run `stack.py python-env`")
    if missing:
        raise StackError("cannot start the services: not in the repo yet: "
                         + ", ".join(f"services/{n}" for n in missing))


def gateway_part() -> Part:
    nginx_dir = STACK / "nginx"
    conf = nginx_dir / "nginx.conf"

    def argv(nginx: str) -> list[str]:
        # -e: error log before the config is read (default: /var/log/nginx).
        return [nginx, "-p", str(nginx_dir), "-c", str(conf), "-e", "stderr"]

    def prepare() -> None:
        nginx = find_nginx() or "nginx"
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (nginx_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        upstreams = "".join(
            f"    upstream {name} {{\n        server {HOST}:{port};\n        keepalive 32;\n    }}\n"
            for name, _, port, _ in service_table())
        locations = "".join(
            f"        location {prefix} {{\n"
            f"            proxy_pass http://{name};\n"
            f"        }}\n" for name, _, _, prefix in service_table())
        # Login: the low per-address limit on top of the general one.
        locations += (
            "        location = /access/token {\n"
            f"            limit_req zone=login burst={GATEWAY_LOGIN_BURST} nodelay;\n"
            f"            limit_req zone=api burst={GATEWAY_API_BURST} nodelay;\n"
            f"            proxy_pass http://{FIRST_SERVICE};\n"
            "        }\n")
        render(HERE / "nginx.conf.template", conf, {
            "USER_DIRECTIVE": nginx_user_directive(),
            "NGINX_DIR": str(nginx_dir),
            "LOG_DIR": str(LOGS),
            "GATEWAY_PORT": str(GATEWAY_PORT),
            "UPSTREAMS": upstreams,
            "LOCATIONS": locations,
            "LOGIN_RATE": GATEWAY_LOGIN_RATE,
            "API_RATE": GATEWAY_API_RATE,
            "API_BURST": str(GATEWAY_API_BURST),
        })
        check = subprocess.run(argv(nginx) + ["-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise StackError(f"nginx config test failed:\n{check.stderr}")
        part.argv = argv(nginx) + ["-g", "daemon off;"]

    part = Part("gateway", GATEWAY_PORT, argv(find_nginx() or "nginx") + ["-g", "daemon off;"],
                ready=http_ready(f"{GATEWAY_URL}/healthz"),
                install=install_nginx, prepare=prepare,
                start_timeout=15, stop_timeout=3)
    return part


def nginx_user_directive() -> str:
    """As root, nginx workers switch to `nobody`; they must still reach the
    temp dirs in .stack/. When some parent dir is not world-searchable
    (a repo under /root), the workers have to stay root."""
    if os.geteuid() != 0:
        return ""
    for d in [STACK, *STACK.parents]:
        if d.exists() and not d.stat().st_mode & 0o001:
            return "user root;"
    return ""


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------

def all_parts() -> list[Part]:
    return server_parts() + service_parts() + [gateway_part()]


def find_part(name: str) -> Part:
    for part in all_parts():
        if part.name == name:
            return part
    names = ", ".join(p.name for p in all_parts())
    raise StackError(f"unknown part '{name}' (one of: {names})")


def cmd_servers_up(_args=None) -> None:
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        start_and_wait(server_parts())


def cmd_browser(_args=None) -> None:
    say(f"browser for the tests: {install_chromium()}")
    install_pdf_libraries()


def cmd_servers_down(_args=None) -> None:
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        stop(server_parts())


def cmd_python_env(_args=None) -> None:
    with file_lock(RUN / "python-env.lock", "python env"):
        python_env()


def cmd_up(args) -> None:
    began = time.monotonic()
    if not EXTERNAL_SERVERS:
        cmd_servers_up()
    cmd_python_env()
    install_pdf_libraries(required=False)  # the portal's PDFs; a dpkg-query when all are there
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        services = service_parts()
        first = [p for p in services if p.name == FIRST_SERVICE]
        portal = [p for p in services if p.name == PORTAL]
        rest = [p for p in services if p.name not in (FIRST_SERVICE, PORTAL)]
        if not all(p.pid() and p.ready() for p in services):
            check_services_present()
        start_and_wait(first)   # the others fetch its JWKS at start-up
        start_and_wait(rest)    # all at once, then wait for all
        start_and_wait([gateway_part()])
        start_and_wait(portal)  # it is ready when the gateway answers it
    say(f"all up in {time.monotonic() - began:.1f}s")
    print(f"\nPortal:  {GATEWAY_URL}/")
    print(f"  demo sign-ins once `make seed` has run (development only; password {DEMO_PASSWORD}):")
    for role, email in DEMO_SIGN_INS:
        print(f"  {role:<17} {email}")
    print(f"Gateway: {GATEWAY_URL}/")
    for name, _, _, prefix in service_table():
        if name != PORTAL:
            print(f"  {name:<17} {GATEWAY_URL}{prefix}docs")
    print(flush=True)
    if args.seed:
        seed()


def seed() -> None:
    script = HERE / "seed_demo.py"
    if not script.exists():
        say(f"notice: {rel(script)} does not exist yet; skipping --seed")
        return
    say("seeding demo data...")
    rc = subprocess.call([str(VENV_PY), rel(script), "--gateway", GATEWAY_URL, "--kafka", f"{HOST}:{KAFKA_PORT}"],
                         cwd=REPO)
    if rc != 0:
        raise StackError(f"seed_demo.py failed (exit {rc})")


def cmd_down(_args=None) -> None:
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        stop([gateway_part()] + service_parts())  # clients first, in parallel
        if not EXTERNAL_SERVERS:
            stop(server_parts())
    say("down")


def cmd_status(_args=None) -> None:
    print(f"{'NAME':<17} {'PID':>7} {'PORT':>6}  STATE")
    for part in all_parts():
        pid = part.pid()
        port = part.recorded_port() if pid else part.port
        if pid and part.ready():
            state = "up"
        elif pid:
            state = "running, not ready"
        elif port_open(port):
            state = f"down (port in use by {port_owner(port)})"
        else:
            state = "down"
        print(f"{part.name:<17} {pid or '-':>7} {port:>6}  {state}")


def cmd_logs(args) -> None:
    if not args.name:
        files = sorted(LOGS.glob("*.log")) if LOGS.exists() else []
        if not files:
            print("no logs yet")
        for f in files:
            print(f"{f.stem:<22} {f.stat().st_size:>10} bytes  {rel(f)}")
        return
    path = LOGS / f"{args.name}.log"
    if not path.exists():
        raise StackError(f"no log {rel(path)}; `stack.py logs` lists them")
    lines = path.read_bytes().decode(errors="replace").splitlines()[-args.lines:]
    print("\n".join(lines), flush=True)
    if args.follow:
        follow(path)


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


def cmd_restart(args) -> None:
    part = find_part(args.name)
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        stop([part])
        if part.name in (n for n, *_ in SERVICES):
            check_services_present()
        start_and_wait([part])


def cmd_stop(args) -> None:
    part = find_part(args.name)
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        stop([part])


def cmd_start(args) -> None:
    part = find_part(args.name)
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        if part.name in (n for n, *_ in SERVICES):
            check_services_present()
        start_and_wait([part])


def cmd_kill(args) -> None:
    """kill -9 the part's process group, as a crash would: no clean shutdown."""
    part = find_part(args.name)
    pid = part.pid()
    if pid is None:
        raise StackError(f"{part.name} is not running")
    _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while part.pid() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    say(f"{part.name}: killed (pid {pid})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="stack.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Ports (environment, default): KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 "
               "MONGO_PORT=27018 S3_PORT=19000 GATEWAY_PORT=8080; "
               "services: " + " ".join(f"{n.upper().replace('-', '_')}_PORT={p}"
                                        for n, _, p, _ in SERVICES)
               + ". SecantusDB cache: SECANTUS_CACHE_SIZE=512M"
               ". S3 credentials: S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION. Gateway limits: "
               "GATEWAY_LOGIN_RATE=5r/s GATEWAY_LOGIN_BURST=10 GATEWAY_API_RATE=1000r/s GATEWAY_API_BURST=2000.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("servers-up", help="install (first time) and start Kafka, SecantusDB, S3")
    sub.add_parser("servers-down", help="stop the three servers")
    sub.add_parser("python-env", help="create .venv and pip install -e the packages")
    sub.add_parser("browser", help="install Debian's Chromium for the browser tests (first time)")
    up = sub.add_parser("up", help="servers, python env, services and gateway")
    up.add_argument("--seed", action="store_true", help="then run deploy/local/seed_demo.py")
    sub.add_parser("down", help="stop everything")
    sub.add_parser("status", help="one line per part")
    logs = sub.add_parser("logs", help="show a log (or list the logs)")
    logs.add_argument("name", nargs="?")
    logs.add_argument("-f", "--follow", action="store_true")
    logs.add_argument("-n", "--lines", type=int, default=50)
    restart = sub.add_parser("restart", help="stop and start one part")
    restart.add_argument("name")
    for name, text in (("stop", "stop one part"), ("start", "start one part"),
                       ("kill", "SIGKILL one part at once (fault tests)")):
        sub.add_parser(name, help=text).add_argument("name")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `stack.py status | head`

    commands = {
        "servers-up": cmd_servers_up, "servers-down": cmd_servers_down,
        "python-env": cmd_python_env, "browser": cmd_browser, "up": cmd_up, "down": cmd_down,
        "status": cmd_status, "logs": cmd_logs, "restart": cmd_restart,
        "stop": cmd_stop, "start": cmd_start, "kill": cmd_kill,
    }
    try:
        commands[args.command](args)
    except StackError as exc:
        print(f"[stack] error: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
