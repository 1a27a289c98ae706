"""Where the platform under test runs: local processes, testcontainers or an external deployment.

``STACK_PROVIDER`` chooses: ``local`` (default) starts the real servers and the
services as processes with ``deploy/local/stack.py``; ``testcontainers`` runs
Kafka, MongoDB and MinIO in containers (needs a Docker engine) and the services
as local processes against them; ``external`` uses URLs from the environment.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.local.runner.topology import GATEWAY_PORT, SERVERS, SERVICES, Port

REPO = Path(__file__).resolve().parents[2]
STACK_SCRIPT = REPO / "deploy" / "local" / "stack.py"
# The running stack's state (logs, pid files): deploy/local/runner/settings.py's state_dir.
STATE_DIR = Path(os.environ.get("STACK_STATE_DIR", "").strip() or REPO / ".stack").resolve()


@dataclass(frozen=True)
class Stack:
    gateway_url: str
    kafka_bootstrap: str
    mongo_url: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    operator_client_id: str
    operator_client_secret: str
    state_dir: Path | None = None  # another_local_instance's: its logs, pid files and data


def from_environment(**defaults: str) -> Stack:
    """The stack whose addresses and credentials the environment names (GATEWAY_URL, ...), else ``defaults``."""
    def value(name: str) -> str:
        return os.environ.get(name.upper(), defaults[name])

    return Stack(**{name: value(name) for name in defaults})


LOCAL_DEFAULTS = {
    "gateway_url": f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8080')}",
    "kafka_bootstrap": f"127.0.0.1:{os.environ.get('KAFKA_PORT', '19092')}",
    "mongo_url": f"mongodb://127.0.0.1:{os.environ.get('MONGO_PORT', '27018')}/?directConnection=true",
    "s3_endpoint": f"127.0.0.1:{os.environ.get('S3_PORT', '19000')}",
    "s3_access_key": "devaccess",
    "s3_secret_key": "devsecret-change-me",
    "operator_client_id": "operator",
    "operator_client_secret": "dev-operator-secret-change-me",
}


def stack_command(*args: str, env: dict[str, str] | None = None, timeout: float | None = None,
                  quiet: bool = False) -> None:
    """Run ``deploy/local/stack.py <args>`` (up, down, stop, start, kill, restart a part); fails loudly if it fails."""
    subprocess.run([sys.executable, str(STACK_SCRIPT), *args], check=True, cwd=REPO, env=env, timeout=timeout,
                   stdout=subprocess.DEVNULL if quiet else None)


def running_local_stack() -> Stack:
    """The local stack already running (ports from the environment, as stack.py uses them); starts nothing."""
    return from_environment(**LOCAL_DEFAULTS)


@contextmanager
def local_stack() -> Iterator[Stack]:
    """The real servers and services as local processes (idempotent: reuses a running stack)."""
    stack_command("up")
    yield running_local_stack()


# Another instance's ports: each of the running stack's moved by this much (8080 -> 8180, 19092 -> 19192, ...).
ANOTHER_INSTANCE_PORT_SHIFT = int(os.environ.get("ANOTHER_INSTANCE_PORT_SHIFT", "100"))
# Where the notifier sends e-mail (tests/integration/test_notifications.py listens there): moved as well.
SMTP_PORT = Port("SMTP_PORT", 8025)
# Variables of the caller's environment that name the running stack's parts: never handed to another instance.
RUNNING_STACK_VARIABLES = ("STACK_EXTERNAL_SERVERS", "KAFKA_BOOTSTRAP", "MONGO_URL", "S3_ENDPOINT", "JWKS_URL",
                           "GATEWAY_URL", "PORTAL_GATEWAY_URL", "PORTAL_URL", "PORTAL_SERVICE_METRICS")


@dataclass(frozen=True)
class Timing:
    """How long another instance took to start (``up``) and to stop (``down``), in seconds."""

    up: float = 0.0
    down: float = 0.0


ANOTHER_INSTANCE_TIMINGS: list[Timing] = []  # one per instance started, for the test's report


def _port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def another_instance_ports(shift: int = ANOTHER_INSTANCE_PORT_SHIFT) -> dict[str, int]:
    """Every port variable of the stack (servers with Kafka's controller, services, gateway) and the SMTP
    port, each the running stack's (from the environment, else its default) moved by ``shift``."""
    declared = [port for server in SERVERS for port in (server.port, *server.extra_ports)]
    declared += [service.port for service in SERVICES] + [GATEWAY_PORT, SMTP_PORT]
    current = {port.variable: int(os.environ.get(port.variable, "").strip() or port.default) for port in declared}
    return {variable: number + shift for variable, number in current.items()}


def _instance_command(verb: str, env: dict[str, str], timeout: float) -> None:
    """``stack.py <verb>`` for another instance, quiet; when it fails, the error holds the end of what it said
    (its logs go with its temporary directory)."""
    done = subprocess.run([sys.executable, str(STACK_SCRIPT), verb], cwd=REPO, env=env, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        said = "\n".join(done.stdout.splitlines()[-60:])
        raise RuntimeError(f"another instance's `stack.py {verb}` failed (exit {done.returncode}):\n{said}")


@contextmanager
def another_local_instance(operator: Stack | None = None,
                           shift: int = ANOTHER_INSTANCE_PORT_SHIFT) -> Iterator[Stack]:
    """A second, whole instance of the platform (its own Kafka, SecantusDB, S3 server, services and gateway),
    started with ``stack.py up`` in a temporary state directory on the running stack's ports + ``shift``.

    Nothing of it talks to the first: every address the runner gives its services comes from the moved
    ports, and the caller's variables that name the first stack's parts are not passed on. Its
    access-control creates the same operator client as ``operator`` (default: the running stack's), so
    the tests sign in to either with the same credentials. ``stack.py down`` runs at the end with the
    same environment, whatever happened (the first stack is never touched), then the directory goes.
    """
    operator = operator or running_local_stack()
    ports = another_instance_ports(shift)
    busy = [f"{variable}={port}" for variable, port in ports.items() if _port_in_use(port)]
    if busy:
        raise RuntimeError(f"another instance needs free ports; in use: {', '.join(busy)} "
                           "(set ANOTHER_INSTANCE_PORT_SHIFT)")
    state = Path(tempfile.mkdtemp(prefix="shared-audits-instance-"))
    env = {name: value for name, value in os.environ.items() if name not in RUNNING_STACK_VARIABLES}
    env |= {variable: str(port) for variable, port in ports.items()}
    env |= {"STACK_STATE_DIR": str(state), "OPERATOR_CLIENT_ID": operator.operator_client_id,
            "OPERATOR_CLIENT_SECRET": operator.operator_client_secret}
    host = "127.0.0.1"
    instance = Stack(
        gateway_url=f"http://{host}:{ports[GATEWAY_PORT.variable]}",
        kafka_bootstrap=f"{host}:{ports['KAFKA_PORT']}",
        mongo_url=f"mongodb://{host}:{ports['MONGO_PORT']}/?directConnection=true",
        s3_endpoint=f"{host}:{ports['S3_PORT']}",
        s3_access_key=env.get("S3_ACCESS_KEY", LOCAL_DEFAULTS["s3_access_key"]),
        s3_secret_key=env.get("S3_SECRET_KEY", LOCAL_DEFAULTS["s3_secret_key"]),
        operator_client_id=operator.operator_client_id,
        operator_client_secret=operator.operator_client_secret,
        state_dir=state,
    )
    began = time.monotonic()
    up = 0.0
    try:
        _instance_command("up", env, timeout=600)
        up = time.monotonic() - began
        yield instance
    finally:
        stopping = time.monotonic()
        try:
            _instance_command("down", env, timeout=120)
        finally:
            ANOTHER_INSTANCE_TIMINGS.append(Timing(up=up, down=time.monotonic() - stopping))
            shutil.rmtree(state, ignore_errors=True)


@contextmanager
def testcontainers_stack() -> Iterator[Stack]:
    """Kafka, MongoDB and MinIO in containers; the services as local processes against them."""
    from testcontainers.kafka import KafkaContainer
    from testcontainers.minio import MinioContainer
    from testcontainers.mongodb import MongoDbContainer

    with KafkaContainer().with_kraft() as kafka, MongoDbContainer() as mongo, MinioContainer() as minio:
        s3 = minio.get_config()
        env = {
            **os.environ,
            "STACK_EXTERNAL_SERVERS": "1",
            "KAFKA_BOOTSTRAP": kafka.get_bootstrap_server(),
            "MONGO_URL": mongo.get_connection_url(),
            "S3_ENDPOINT": s3["endpoint"],
            "S3_ACCESS_KEY": s3["access_key"],
            "S3_SECRET_KEY": s3["secret_key"],
        }
        stack_command("up", env=env)
        try:
            yield Stack(
                gateway_url=LOCAL_DEFAULTS["gateway_url"],
                kafka_bootstrap=env["KAFKA_BOOTSTRAP"],
                mongo_url=env["MONGO_URL"],
                s3_endpoint=env["S3_ENDPOINT"],
                s3_access_key=env["S3_ACCESS_KEY"],
                s3_secret_key=env["S3_SECRET_KEY"],
                operator_client_id=LOCAL_DEFAULTS["operator_client_id"],
                operator_client_secret=LOCAL_DEFAULTS["operator_client_secret"],
            )
        finally:
            stack_command("down", env=env)


@contextmanager
def external_stack() -> Iterator[Stack]:
    """A deployment somewhere else: every URL and credential comes from the environment."""
    required = ["GATEWAY_URL", "KAFKA_BOOTSTRAP", "OPERATOR_CLIENT_SECRET"]
    missing = [name for name in required if not os.environ.get(name)]
    if missing:
        raise RuntimeError(f"STACK_PROVIDER=external needs {', '.join(missing)}")
    yield from_environment(**LOCAL_DEFAULTS)


PROVIDERS = {"local": local_stack, "testcontainers": testcontainers_stack, "external": external_stack}


def provide_stack() -> Iterator[Stack]:
    name = os.environ.get("STACK_PROVIDER", "local")
    if name not in PROVIDERS:
        raise RuntimeError(f"STACK_PROVIDER must be one of {', '.join(PROVIDERS)}, not {name!r}")
    with PROVIDERS[name]() as stack:
        yield stack
