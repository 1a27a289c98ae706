"""The local stack runner behind deploy/local/stack.py (standard library only).

topology.py   the servers, services, ports, environment, gateway routes and start order (the data)
settings.py   where state and caches live; the environment's overrides of the ports
installs.py   downloads and builds, cached per version; the project's .venv
supervise.py  parts as detached processes: start, wait for readiness, stop, kill, state, logs
probes.py     readiness probes (Kafka, MongoDB's protocol, HTTP)
servers.py    Kafka, SecantusDB and the S3 server as parts
services.py   the Python services as parts
environment.py  the services' environment, from the topology
gateway.py    nginx, its config rendered from the topology
seed.py       the demo data
cli.py        the command line (`stack.py <verb>`)
"""
