#!/usr/bin/env python3
"""A member's integration in one file: token, API (links, paged lists, problems), own feed, webhook signatures.

    pip install httpx aiokafka
    python examples/member_client.py --client-id ID --client-secret SECRET \
        [--gateway http://127.0.0.1:8080] [--bootstrap 127.0.0.1:19092] [--kafka-user U --kafka-password P]

It gets an access token with its client credentials, names its organisation
(``GET /access/organisations/me``), lists its links (active ones, and requests
waiting for the factory's consent), reads each linked site's CAPs a page at a time
(following ``Link: rel="next"``), then reads its own feed topic
``ics.feed.<member_id>.v1`` and prints each event. An error answer is an RFC 9457
problem (``application/problem+json``) and is printed as such. In production the
feed is read over TLS with the SCRAM-SHA-512 user the operator issued
(``--kafka-user``/``--kafka-password``); locally without.
See docs/member-integration.md.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import time

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.helpers import create_ssl_context


def access_token(gateway: str, client_id: str, client_secret: str) -> str:
    """OAuth 2.0 client credentials: a short-lived token; ask again when it expires."""
    response = httpx.post(
        f"{gateway}/access/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["access_token"]


class ProblemError(Exception):
    """An error answer: its RFC 9457 problem (``type``, ``title``, ``status``, ``detail``, maybe ``errors``)."""

    def __init__(self, problem: dict) -> None:
        super().__init__(f"{problem.get('status')} {problem.get('title')}: {problem.get('detail')}")
        self.problem = problem


def get(api: httpx.Client, path: str, **params: str) -> httpx.Response:
    # No params at all for a next-page link: an empty mapping would drop the query it carries.
    response = api.get(path, params=params or None)
    if response.is_error:
        if response.headers.get("content-type", "").startswith("application/problem+json"):
            raise ProblemError(response.json())
        response.raise_for_status()
    return response


def every_page(api: httpx.Client, path: str, **params: str) -> list[dict]:
    """A paged list, whole: follow ``Link: <...>; rel="next"`` (a path on the gateway) until it is absent."""
    items: list[dict] = []
    response = get(api, path, **params)
    while True:
        items += response.json()
        following = response.links.get("next")
        if following is None:
            return items
        response = get(api, following["url"])


def verify_webhook(secret: bytes, header: str, body: bytes, tolerance_seconds: int = 300) -> bool:
    """Check the X-Shared-Audits-Signature header (``t=<unix seconds>,v1=<hex>[,v1=<hex>]``): HMAC-SHA256
    of ``"<t>." + raw body``; any ``v1`` may match (a rotated secret signs beside the old one for a
    grace period); replays older than the tolerance are refused."""
    try:
        parts = [part.strip().split("=", 1) for part in header.split(",")]
        [timestamp] = [int(value) for key, value in parts if key == "t"]
    except ValueError:
        return False
    if abs(time.time() - timestamp) > tolerance_seconds:
        return False
    expected = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value) for key, value in parts if key == "v1")


async def follow_feed(bootstrap: str, member_id: str, user: str | None, password: str | None, limit: int) -> None:
    """Read the member's feed in its own consumer group, committing after each event is handled."""
    security = {}
    if user:
        security = {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
                    "sasl_plain_username": user, "sasl_plain_password": password or "",
                    "ssl_context": create_ssl_context()}
    consumer = AIOKafkaConsumer(
        f"ics.feed.{member_id}.v1", bootstrap_servers=bootstrap, group_id=f"member-{member_id}-example",
        enable_auto_commit=False, auto_offset_reset="earliest", **security,
    )
    await consumer.start()
    try:
        seen = 0
        while seen < limit:
            batches = await consumer.getmany(timeout_ms=5000)
            if not batches:
                print("(no new events for 5 s)")
                break
            for records in batches.values():
                for record in records:
                    envelope = json.loads(record.value)
                    # Deduplicate on event_id: delivery is at least once.
                    print(f"{envelope['occurred_at']} {envelope['type']} v{envelope['version']} "
                          f"factory={envelope['key']} event={envelope['event_id']}")
                    seen += 1
            await consumer.commit()
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--member-id", help="your organisation id (default: asked of GET /access/organisations/me)")
    parser.add_argument("--kafka-user")
    parser.add_argument("--kafka-password")
    parser.add_argument("--limit", type=int, default=100, help="stop after this many events")
    args = parser.parse_args()

    token = access_token(args.gateway, args.client_id, args.client_secret)
    with httpx.Client(base_url=args.gateway, headers={"Authorization": f"Bearer {token}"}, timeout=10) as api:
        member_id = args.member_id or get(api, "/access/organisations/me").json()["organisation_id"]
        links = get(api, "/access/links").json()
        active = [link["factory_id"] for link in links if link["active"]]
        waiting = [link["factory_id"] for link in links if link["status"] == "requested"]
        print(f"member {member_id}: {len(active)} linked sites, {len(waiting)} link requests awaiting consent")
        for factory_id in active:
            caps = every_page(api, "/caps/caps", factory_id=factory_id, limit="20")
            print(f"site {factory_id}: {len(caps)} CAPs")
        try:
            get(api, "/audits/audits/not-an-audit")
        except ProblemError as refused:  # another member's audit answers the same as a missing one
            print(f"as expected, a problem: {refused} ({refused.problem['type']})")
    asyncio.run(follow_feed(args.bootstrap, member_id, args.kafka_user, args.kafka_password, args.limit))


if __name__ == "__main__":
    main()
