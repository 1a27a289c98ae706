"""Where the platform under test runs: local processes, testcontainers or an external deployment.

``STACK_PROVIDER`` chooses: ``local`` (default) starts the real servers and the
services as processes with ``deploy/local/stack.py``; ``testcontainers`` runs
Kafka, MongoDB and MinIO in containers (needs a Docker engine) and the services
as local processes against them; ``external`` uses URLs from the environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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
