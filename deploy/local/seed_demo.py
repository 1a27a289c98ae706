"""Seed the running platform with the demo story, through the gateway.

Run by ``python3 deploy/local/stack.py up --seed`` (with the project's .venv).
"""

from __future__ import annotations

import argparse
import os

from shared_audits_client.story import assemble_cast, walk_skeleton


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--operator-client-id", default=os.environ.get("OPERATOR_CLIENT_ID", "operator"))
    parser.add_argument(
        "--operator-client-secret",
        default=os.environ.get("OPERATOR_CLIENT_SECRET", "dev-operator-secret-change-me"),
    )
    args = parser.parse_args()

    cast = assemble_cast(args.gateway, args.operator_client_id, args.operator_client_secret, label="demo")
    try:
        run = walk_skeleton(cast)
    finally:
        cast.close()
    print(f"seeded factory {cast.factory_id}: audit {run.audit['audit_id']}, CAP {run.cap['cap_id']}")
    print(f"  progress seen by member B: {run.cap_seen_by_b['progress']}")
    for role, organisation in cast.organisations.items():
        print(f"  {role:9} client_id={organisation.client_id} client_secret={organisation.client_secret}")


if __name__ == "__main__":
    main()
