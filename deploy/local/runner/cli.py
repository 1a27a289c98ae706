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
$STACK_STATE_DIR, by default <repo>/.stack/ (a second instance: its own
directory and other ports; the .venv and the caches are shared). Downloads and builds are cached per version under
${XDG_CACHE_HOME:-~/.cache}/shared-audits/, so only the first start is slow.
Every address is 127.0.0.1; every port can be changed with the environment
variable named in PORTS / SERVICES below.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from .common import StackError, file_lock, rel, say
from .gateway import gateway_part
from .installs import install_chromium, install_pdf_libraries, python_env
from .seed import DEMO_PASSWORD, DEMO_SIGN_INS, seed
from .servers import server_parts
from .services import check_services_present, service_parts
from .settings import EXTERNAL_SERVERS, GATEWAY_URL, RUN, VENV_LOCK
from .supervise import Part, follow, kill, last_lines, log_files, log_path, start_and_wait, state, stop
from .topology import GATEWAY_PORT, SERVERS, SERVICES, start_order

SERVICE_NAMES = {service.name for service in SERVICES}


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
    with file_lock(VENV_LOCK, "python env"):
        python_env()


def cmd_up(args) -> None:
    began = time.monotonic()
    if not EXTERNAL_SERVERS:
        cmd_servers_up()
    cmd_python_env()
    install_pdf_libraries(required=False)  # the portal's PDFs; a dpkg-query when all are there
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        services = service_parts()
        parts = {part.name: part for part in [*services, gateway_part()]}
        if not all(p.pid() and p.ready() for p in services):
            check_services_present()
        for wave in start_order():  # each wave all at once, then wait for all (topology.py)
            start_and_wait([parts[name] for name in wave])
    say(f"all up in {time.monotonic() - began:.1f}s")
    print(f"\nPortal:  {GATEWAY_URL}/")
    print(f"  demo sign-ins once `make seed` has run (development only; password {DEMO_PASSWORD}):")
    for role, email in DEMO_SIGN_INS:
        print(f"  {role:<17} {email}")
    print(f"Gateway: {GATEWAY_URL}/")
    for service in SERVICES:
        if service.prefix != "/":
            print(f"  {service.name:<17} {GATEWAY_URL}{service.prefix}docs")
    print(flush=True)
    if args.seed:
        seed()


def cmd_down(_args=None) -> None:
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        stop([gateway_part()] + service_parts())  # clients first, in parallel
        if not EXTERNAL_SERVERS:
            stop(server_parts())
    say("down")


def cmd_status(_args=None) -> None:
    print(f"{'NAME':<17} {'PID':>7} {'PORT':>6}  STATE")
    for part in all_parts():
        pid, port, what = state(part)
        print(f"{part.name:<17} {pid or '-':>7} {port:>6}  {what}")


def cmd_logs(args) -> None:
    if not args.name:
        files = log_files()
        if not files:
            print("no logs yet")
        for f in files:
            print(f"{f.stem:<22} {f.stat().st_size:>10} bytes  {rel(f)}")
        return
    path = log_path(args.name)
    print(last_lines(path, args.lines), flush=True)
    if args.follow:
        follow(path)


def cmd_restart(args) -> None:
    part = find_part(args.name)
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        stop([part])
        if part.name in SERVICE_NAMES:
            check_services_present()
        start_and_wait([part])


def cmd_stop(args) -> None:
    part = find_part(args.name)
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        stop([part])


def cmd_start(args) -> None:
    part = find_part(args.name)
    with file_lock(RUN / "stack.lock", "stack start/stop"):
        if part.name in SERVICE_NAMES:
            check_services_present()
        start_and_wait([part])


def cmd_kill(args) -> None:
    """kill -9 the part's process group, as a crash would: no clean shutdown."""
    part = find_part(args.name)
    pid = kill(part)
    say(f"{part.name}: killed (pid {pid})")


COMMANDS = {
    "servers-up": cmd_servers_up, "servers-down": cmd_servers_down,
    "python-env": cmd_python_env, "browser": cmd_browser, "up": cmd_up, "down": cmd_down,
    "status": cmd_status, "logs": cmd_logs, "restart": cmd_restart,
    "stop": cmd_stop, "start": cmd_start, "kill": cmd_kill,
}


def ports_help() -> str:
    """The ports and their variables, as the topology declares them."""
    servers = " ".join(f"{port.variable}={port.default}" for server in SERVERS for port in (server.port, *server.extra_ports))
    services = " ".join(f"{service.port.variable}={service.port.default}" for service in SERVICES)
    return f"Ports (environment, default): {servers} {GATEWAY_PORT.variable}={GATEWAY_PORT.default}; services: {services}"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stack.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=ports_help()
               + ". State: STACK_STATE_DIR=<repo>/.stack. SecantusDB cache: SECANTUS_CACHE_SIZE=512M"
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `stack.py status | head`
    try:
        COMMANDS[args.command](args)
    except StackError as exc:
        print(f"[stack] error: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
