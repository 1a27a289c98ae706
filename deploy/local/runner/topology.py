"""The local stack as data: its servers, services, ports, environment, gateway routes and start order.

The only file to edit when a service is added (a line in SERVICES); the other modules of this
package only read it, and tests/deploy/test_local_stack.py checks that it holds together (unique
ports, a gateway route for every service, every dependency known, a start order that respects them).
Every port is a default that the environment variable named beside it overrides (`Port.variable`).
Standard library only: stack.py runs with the system python3 before .venv exists.
"""

from __future__ import annotations

from dataclasses import dataclass

HOST = "127.0.0.1"  # every part listens here, never anywhere else


@dataclass(frozen=True)
class Port:
    """A default port and the environment variable that overrides it."""

    variable: str
    default: int


@dataclass(frozen=True)
class Server:
    """A server the services use (how it is installed and run: runner/servers.py)."""

    name: str  # the part's name: `stack.py restart <name>`, .stack/logs/<name>.log
    port: Port
    extra_ports: tuple[Port, ...] = ()  # must be free too (Kafka's controller)


@dataclass(frozen=True)
class Service:
    """A Python service: its ASGI app, its port, its gateway prefix and what must be ready before it starts."""

    name: str  # its folder under services/
    app: str  # module:attribute, run by uvicorn
    default_port: int  # <NAME>_PORT overrides it (CAP_SERVICE_PORT=9103)
    prefix: str  # the gateway passes <prefix>... through unchanged: the service serves its prefix itself
    after: tuple[str, ...] = ()  # parts (services or "gateway") ready before it starts
    metrics: bool = True  # serves /metrics (the portal's health page reads them)

    @property
    def port(self) -> Port:
        return Port(self.name.upper().replace("-", "_") + "_PORT", self.default_port)


SERVERS = (
    Server("kafka", Port("KAFKA_PORT", 19092), extra_ports=(Port("KAFKA_CONTROLLER_PORT", 19093),)),
    Server("secantusdb", Port("MONGO_PORT", 27018)),
    Server("s3", Port("S3_PORT", 19000)),
)

GATEWAY = "gateway"
GATEWAY_PORT = Port("GATEWAY_PORT", 8080)
# The gateway starts once every service that does not wait for it is ready.

SERVICES = (
    # The others fetch its JWKS at start-up.
    Service("access-control", "access_control.main:app", 8105, "/access/"),
    Service("factory-registry", "factory_registry.main:app", 8101, "/registry/", after=("access-control",)),
    Service("audit-service", "audit_service.main:app", 8102, "/audits/", after=("access-control",)),
    Service("cap-service", "cap_service.main:app", 8103, "/caps/", after=("access-control",)),
    Service("evidence-store", "evidence_store.main:app", 8104, "/evidence/", after=("access-control",)),
    Service("notifier", "notifier.main:app", 8106, "/notifier/", after=("access-control",)),
    # The web portal answers everything the API prefixes above do not: pages at the gateway's root.
    # It is ready when the gateway answers it, and serves no /metrics.
    Service("portal", "portal.main:app", 8107, "/", after=(GATEWAY,), metrics=False),
)

# The gateway's routes besides one per service prefix: login (the token endpoint) gets the low
# per-address rate limit on top of the general one.
LOGIN_ROUTE = ("/access/token", "access-control")

# What every service finds in its environment (on top of the caller's), each a template filled by
# runner/environment.py with the parts' ports ({kafka}, {secantusdb}, {s3}, {gateway}, {<service>}),
# {host} and the S3 settings. Only these agreed names: the services read their settings from the
# environment (pydantic-settings), so any extra variable could shadow one of theirs. SERVICE_PORT
# (its own port), PORTAL_SERVICE_METRICS (every other service's /metrics) and the port variables
# are added there.
SERVICE_ENVIRONMENT = {
    "KAFKA_BOOTSTRAP": "{host}:{kafka}",
    # SecantusDB calls itself a one-node replica set: use this address, no discovery.
    "MONGO_URL": "mongodb://{host}:{secantusdb}/?directConnection=true",
    "S3_ENDPOINT": "{host}:{s3}",
    "S3_ACCESS_KEY": "{s3_access_key}",
    "S3_SECRET_KEY": "{s3_secret_key}",
    "S3_REGION": "{s3_region}",
    "S3_SECURE": "false",
    "JWKS_URL": "http://{host}:{access-control}/access/.well-known/jwks.json",
    "PORTAL_GATEWAY_URL": "http://{host}:{gateway}",
    "PORTAL_URL": "http://{host}:{gateway}",  # the notifier's links in e-mails
    "PYTHONUNBUFFERED": "1",  # log lines reach .stack/logs at once
}
# With STACK_EXTERNAL_SERVERS=1 (testcontainers) the caller names the servers: these come from its environment.
SERVER_ADDRESSES = ("KAFKA_BOOTSTRAP", "MONGO_URL", "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY")


def server(name: str) -> Server:
    """The server called ``name`` (KeyError when there is none)."""
    for candidate in SERVERS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def service(name: str) -> Service:
    """The service called ``name`` (KeyError when there is none)."""
    for candidate in SERVICES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def start_order(services: tuple[Service, ...] = SERVICES) -> list[list[str]]:
    """The services and the gateway in waves: each wave starts at once once the waves before are ready.

    A service waits for what its ``after`` names; the gateway for every service that does not wait
    for it (directly or not). Raises ValueError on an unknown name or a cycle.
    """
    known = {candidate.name for candidate in services} | {GATEWAY}
    needs = {candidate.name: set(candidate.after) for candidate in services}
    for name, wanted in needs.items():
        if wanted - known:
            raise ValueError(f"{name} waits for unknown parts: {', '.join(sorted(wanted - known))}")

    def waits_for_gateway(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name in seen:
            raise ValueError(f"a cycle in the start order through {name}")
        return GATEWAY in needs[name] or any(
            waits_for_gateway(other, seen | {name}) for other in needs[name] if other != GATEWAY)

    needs[GATEWAY] = {name for name in list(needs) if not waits_for_gateway(name)}
    waves: list[list[str]] = []
    started: set[str] = set()
    while len(started) < len(needs):
        wave = [name for name in needs if name not in started and needs[name] <= started]
        if not wave:
            raise ValueError(f"a cycle in the start order among {', '.join(sorted(set(needs) - started))}")
        waves.append(wave)
        started |= set(wave)
    return waves
