"""Where the stack keeps its state and caches, and the settings read from the environment.

Ports come from the topology (topology.py): `port(...)` applies the environment's overrides. The state
(logs, pid files, data, generated configs) lives in STACK_STATE_DIR, by default <repo>/.stack: another
instance on other ports runs beside the first with its own state directory. The caches of downloads and
builds and the project's .venv are shared by every instance.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .topology import GATEWAY_PORT, HOST, SERVERS, SERVICES, Port, server

HERE = Path(__file__).resolve().parent.parent  # deploy/local: the config templates
REPO = HERE.parent.parent


def state_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where this instance keeps its state: STACK_STATE_DIR (relative to the current directory), else <repo>/.stack."""
    chosen = environ.get("STACK_STATE_DIR", "").strip()
    return Path(chosen).expanduser().resolve() if chosen else REPO / ".stack"


STACK = state_dir()
LOGS = STACK / "logs"
RUN = STACK / "run"  # <part>.json: pid, start time, port, argv (see supervise.Part)
DATA = STACK / "data"
CONF = STACK / "conf"
VENV = REPO / ".venv"
VENV_PY = VENV / "bin" / "python"
VENV_LOCK = REPO / ".venv.lock"  # one pip install at a time into the .venv, whatever the state directory
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shared-audits"

# Kafka, MongoDB and S3 run elsewhere (testcontainers): start only services and gateway.
EXTERNAL_SERVERS = os.environ.get("STACK_EXTERNAL_SERVERS") == "1"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def port(declared: Port) -> int:
    """The port the environment chooses for ``declared``, or its default."""
    return env_int(declared.variable, declared.default)


def ports() -> dict[str, int]:
    """Every part's port by its name (servers, services, the gateway)."""
    chosen = {server.name: port(server.port) for server in SERVERS}
    chosen |= {service.name: port(service.port) for service in SERVICES}
    chosen["gateway"] = port(GATEWAY_PORT)
    return chosen


KAFKA_PORT = port(server("kafka").port)
KAFKA_CONTROLLER_PORT = port(server("kafka").extra_ports[0])
MONGO_PORT = port(server("secantusdb").port)
S3_PORT = port(server("s3").port)
GATEWAY_PORT_NUMBER = port(GATEWAY_PORT)
GATEWAY_URL = f"http://{HOST}:{GATEWAY_PORT_NUMBER}"

# WiredTiger's cache inside SecantusDB (its own default, 4G, is sized for a server).
SECANTUS_CACHE_SIZE = os.environ.get("SECANTUS_CACHE_SIZE") or "512M"
S3_ACCESS_KEY = os.environ.get("S3_ACCESS_KEY") or "devaccess"
S3_SECRET_KEY = os.environ.get("S3_SECRET_KEY") or "devsecret-change-me"
S3_REGION = os.environ.get("S3_REGION") or "us-east-1"

# Gateway rate limits per client address (nginx limit_req): login, and every request.
GATEWAY_LOGIN_RATE = os.environ.get("GATEWAY_LOGIN_RATE") or "5r/s"
GATEWAY_LOGIN_BURST = env_int("GATEWAY_LOGIN_BURST", 10)
GATEWAY_API_RATE = os.environ.get("GATEWAY_API_RATE") or "1000r/s"
GATEWAY_API_BURST = env_int("GATEWAY_API_BURST", 2000)
