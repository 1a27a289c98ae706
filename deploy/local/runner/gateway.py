"""The gateway: nginx, its config rendered from the topology (an upstream and a location per service
prefix, the login route's rate limit) into <state directory>/nginx/nginx.conf."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from .common import StackError, render
from .installs import find_nginx, install_nginx
from .probes import http_ready
from .settings import (GATEWAY_API_BURST, GATEWAY_API_RATE, GATEWAY_LOGIN_BURST, GATEWAY_LOGIN_RATE, GATEWAY_URL,
                       HERE, LOGS, STACK, ports)
from .supervise import Part
from .topology import GATEWAY, HOST, LOGIN_ROUTE, SERVICES

TEMPLATE = HERE / "nginx.conf.template"


def routes(chosen: Mapping[str, int]) -> tuple[str, str]:
    """nginx's upstream blocks (one per service, at its port in ``chosen``) and location blocks (one
    per service prefix, passed through unchanged; then the login route with its own rate limit)."""
    upstreams = "".join(
        f"    upstream {service.name} {{\n        server {HOST}:{chosen[service.name]};\n        keepalive 32;\n    }}\n"
        for service in SERVICES)
    locations = "".join(
        f"        location {service.prefix} {{\n"
        f"            proxy_pass http://{service.name};\n"
        f"        }}\n" for service in SERVICES)
    # Login: the low per-address limit on top of the general one.
    path, target = LOGIN_ROUTE
    locations += (
        f"        location = {path} {{\n"
        f"            limit_req zone=login burst={GATEWAY_LOGIN_BURST} nodelay;\n"
        f"            limit_req zone=api burst={GATEWAY_API_BURST} nodelay;\n"
        f"            proxy_pass http://{target};\n"
        "        }\n")
    return upstreams, locations


def render_config(conf: Path, nginx_dir: Path, chosen: Mapping[str, int], user_directive: str = "") -> Path:
    """nginx.conf from the template, for the ports in ``chosen``."""
    upstreams, locations = routes(chosen)
    return render(TEMPLATE, conf, {
        "USER_DIRECTIVE": user_directive,
        "NGINX_DIR": str(nginx_dir),
        "LOG_DIR": str(LOGS),
        "GATEWAY_PORT": str(chosen[GATEWAY]),
        "UPSTREAMS": upstreams,
        "LOCATIONS": locations,
        "LOGIN_RATE": GATEWAY_LOGIN_RATE,
        "API_RATE": GATEWAY_API_RATE,
        "API_BURST": str(GATEWAY_API_BURST),
    })


def gateway_part() -> Part:
    nginx_dir = STACK / "nginx"
    conf = nginx_dir / "nginx.conf"
    chosen = ports()

    def argv(nginx: str) -> list[str]:
        # -e: error log before the config is read (default: /var/log/nginx).
        return [nginx, "-p", str(nginx_dir), "-c", str(conf), "-e", "stderr"]

    def prepare() -> None:
        nginx = find_nginx() or "nginx"
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (nginx_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        render_config(conf, nginx_dir, chosen, nginx_user_directive())
        check = subprocess.run(argv(nginx) + ["-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise StackError(f"nginx config test failed:\n{check.stderr}")
        part.argv = argv(nginx) + ["-g", "daemon off;"]

    part = Part(GATEWAY, chosen[GATEWAY], argv(find_nginx() or "nginx") + ["-g", "daemon off;"],
                ready=http_ready(f"{GATEWAY_URL}/healthz"),
                install=install_nginx, prepare=prepare,
                start_timeout=15, stop_timeout=3)
    return part


def nginx_user_directive() -> str:
    """As root, nginx workers switch to `nobody`; they must still reach the
    temp dirs in the state directory. When some parent dir is not world-searchable
    (a repo under /root), the workers have to stay root."""
    if os.geteuid() != 0:
        return ""
    for d in [STACK, *STACK.parents]:
        if d.exists() and not d.stat().st_mode & 0o001:
            return "user root;"
    return ""
