"""The environment the services get, built from the topology (SERVICE_ENVIRONMENT) and the chosen ports."""

from __future__ import annotations

import os
from collections.abc import Mapping

from .settings import EXTERNAL_SERVERS, S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, port, ports
from .topology import GATEWAY, GATEWAY_PORT, HOST, SERVER_ADDRESSES, SERVERS, SERVICE_ENVIRONMENT, SERVICES


def service_env(chosen: Mapping[str, int] | None = None, *, external_servers: bool = EXTERNAL_SERVERS,
                environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Settings every service gets (on top of os.environ); ``chosen``: every part's port by name
    (default: the environment's, see settings.ports). With ``external_servers`` the servers'
    addresses come from ``environ`` where it names them."""
    chosen = dict(ports() if chosen is None else chosen)
    values = {**{name: str(number) for name, number in chosen.items()}, "host": HOST,
              "s3_access_key": S3_ACCESS_KEY, "s3_secret_key": S3_SECRET_KEY, "s3_region": S3_REGION}
    environment = {name: template.format_map(values) for name, template in SERVICE_ENVIRONMENT.items()}
    if external_servers:  # e.g. testcontainers: the caller names the servers
        environment |= {name: environ[name] for name in SERVER_ADDRESSES if name in environ}
    # The servers' and the gateway's port variables, under the names the stack reads them from.
    environment |= {server.port.variable: str(chosen[server.name]) for server in SERVERS}
    environment[GATEWAY_PORT.variable] = str(chosen[GATEWAY])
    environment["PORTAL_SERVICE_METRICS"] = ",".join(
        f"{service.name}=http://{HOST}:{chosen[service.name]}/metrics" for service in SERVICES if service.metrics)
    return environment


def service_table() -> list[tuple[str, str, int, str]]:
    """(name, app, port, gateway prefix) of every service, its port as the environment chooses."""
    return [(service.name, service.app, port(service.port), service.prefix) for service in SERVICES]
