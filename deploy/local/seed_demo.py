"""Seed the running platform with the demo story, through the gateway.

Two members, three factories, audits rated with every letter, a critical alert
and a CAP half done. Run by ``python3 deploy/local/stack.py up --seed`` (with the
project's .venv), or directly.
"""

from __future__ import annotations

import argparse
import json
import os

from shared_audits_client.demo import seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--operator-client-id", default=os.environ.get("OPERATOR_CLIENT_ID", "operator"))
    parser.add_argument(
        "--operator-client-secret",
        default=os.environ.get("OPERATOR_CLIENT_SECRET", "dev-operator-secret-change-me"),
    )
    args = parser.parse_args()
    summary = seed(args.gateway, args.operator_client_id, args.operator_client_secret)
    for audit in summary["audits"]:
        alert = "  critical alert" if audit["alert"] else ""
        print(f"  {audit['site']:<18} mandated by {audit['mandated_by']}: {audit['letter']} "
              f"({audit['percentage']:.1f} %){alert}")
    cap = summary["half_done_cap"]
    print(f"  CAP of {cap['site']}: {cap['items_closed']} of {cap['items_total']} items done")
    print(json.dumps({"members": summary["members"], "label": summary["label"]}))


if __name__ == "__main__":
    main()
