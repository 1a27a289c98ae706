"""The demo data (`stack.py up --seed`, `make seed`): deploy/local/seed_demo.py through the gateway."""

from __future__ import annotations

import subprocess

from .common import StackError, rel, say
from .settings import GATEWAY_URL, HERE, KAFKA_PORT, REPO, VENV_PY
from .topology import HOST

# The people `make seed` creates for the portal (shared_audits_client.demo.demo_users).
DEMO_PASSWORD = "shared-audits-demo"  # pragma: allowlist secret
DEMO_SIGN_INS = [("operator", "operator@demo.example.org"), ("member (Brand A)", "brand-a@demo.example.org"),
                 ("member (Brand B)", "brand-b@demo.example.org"), ("factory", "factory@demo.example.org"),
                 ("audit company", "auditor@demo.example.org")]


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
