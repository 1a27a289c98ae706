"""Seed the running platform with the demo story, through the gateway, and the portal's demo sign-ins.

Two members, three factories, audits rated with every letter, a critical alert and a CAP half done;
then one person per role (operator, two members, a factory, an audit company) with a password, for
the portal. Development only. Run by ``python3 deploy/local/stack.py up --seed`` (``make seed``), or
directly with the project's .venv. A second run finds the people and only prints their sign-ins.
"""

from __future__ import annotations

import argparse
import json
import os

from shared_audits_client.api import ApiError, PlatformClient
from shared_audits_client.demo import DEMO_DOMAIN, DEMO_PASSWORD, invitation_reader, seed

DEMO_EMAILS = [("operator", "operator"), ("member", "brand-a"), ("member", "brand-b"), ("factory", "factory"),
               ("audit_company", "auditor")]


def already_seeded(gateway: str) -> bool:
    client = PlatformClient(gateway)
    try:
        client.user_login(f"brand-a@{DEMO_DOMAIN}", DEMO_PASSWORD)
        return True
    except ApiError:
        return False
    finally:
        client.close()


def print_sign_ins(gateway: str) -> None:
    print(f"\nPortal: {gateway}/   demo sign-ins (development only), password {DEMO_PASSWORD}:")
    for role, local_part in DEMO_EMAILS:
        print(f"  {role:<14} {local_part}@{DEMO_DOMAIN}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:19092"))
    parser.add_argument("--operator-client-id", default=os.environ.get("OPERATOR_CLIENT_ID", "operator"))
    parser.add_argument(
        "--operator-client-secret",
        default=os.environ.get("OPERATOR_CLIENT_SECRET", "dev-operator-secret-change-me"),
    )
    args = parser.parse_args()
    if already_seeded(args.gateway):
        print("The demo is already seeded.")
        print_sign_ins(args.gateway)
        return
    summary = seed(args.gateway, args.operator_client_id, args.operator_client_secret,
                   acceptance_token=invitation_reader(args.kafka))
    for audit in summary["audits"]:
        alert = "  critical alert" if audit["alert"] else ""
        print(f"  {audit['site']:<18} mandated by {audit['mandated_by']}: {audit['letter']} "
              f"({audit['percentage']:.1f} %){alert}")
    cap = summary["half_done_cap"]
    print(f"  CAP of {cap['site']}: {cap['items_closed']} of {cap['items_total']} items done")
    print(json.dumps({"members": summary["members"], "label": summary["label"]}))
    print_sign_ins(args.gateway)


if __name__ == "__main__":
    main()
