"""The Python services as parts: uvicorn from .venv, each on its port with the topology's environment."""

from __future__ import annotations

import os

from .common import StackError, rel
from .environment import service_env
from .probes import http_ready
from .settings import REPO, VENV_PY, ports
from .supervise import Part
from .topology import HOST, SERVICES


def service_parts() -> list[Part]:
    chosen = ports()
    common = {**os.environ, **service_env(chosen)}
    parts = []
    for service in SERVICES:
        port = chosen[service.name]
        argv = [str(VENV_PY), "-m", "uvicorn", service.app, "--host", HOST, "--port", str(port)]
        parts.append(Part(service.name, port, argv, env={**common, "SERVICE_PORT": str(port)},
                          ready=http_ready(f"http://{HOST}:{port}/readyz"),
                          start_timeout=60, stop_timeout=5))
    return parts


def check_services_present() -> None:
    missing = [service.name for service in SERVICES if not (REPO / "services" / service.name).is_dir()]
    if not VENV_PY.exists():
        raise StackError(f"{rel(VENV_PY)} missing; run `stack.py python-env`")
    if missing:
        raise StackError("cannot start the services: not in the repo yet: "
                         + ", ".join(f"services/{n}" for n in missing))
