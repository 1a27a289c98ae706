"""Notifications that reach people: an invitation e-mail with the portal link, and the factory told of its CAP.

A real SMTP server (aiosmtpd) listens where the notifier sends (``SMTP_PORT``, default 8025).
"""

from __future__ import annotations

import email
from email import policy
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage as Message

import pytest
from aiosmtpd.controller import Controller

from shared_audits_client import eventually
from shared_audits_client.story import Cast
from tests.integration.cap_flows import finding, open_cap
from tests.integration.stack import Stack

SMTP_PORT = int(os.environ.get("SMTP_PORT", "8025"))


@dataclass
class MailSink:
    messages: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [message for recipients, message in self.messages if address in recipients]


@pytest.fixture(scope="module")
def mail_sink() -> Iterator[MailSink]:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield sink
    controller.stop()


def text_of(message: Message) -> str:
    return message.get_content()


def test_an_invited_factory_user_receives_a_readable_invitation_with_the_portal_link(
    stack: Stack, cast: Cast, mail_sink: MailSink
) -> None:
    address = f"quality-{uuid.uuid4().hex[:8]}@factory.example"
    factory_organisation = cast.organisations["factory"]
    cast.operator.invite_user(factory_organisation.organisation_id, address, ["admin"])

    def invited() -> Message:
        mails = mail_sink.to(address)
        assert mails, f"no invitation to {address} yet"
        return mails[0]

    invitation = eventually(invited)
    assert [to for to, message in mail_sink.messages if message is invitation] == [[address]]  # to that address alone
    assert f"invites you to {factory_organisation.name}" in invitation["Subject"]
    body = text_of(invitation)
    assert "/invitation?token=" in body and "{" not in body  # written for a person, not a JSON dump
    token = body.split("/invitation?token=", 1)[1].split()[0]
    # The link works: the token in the e-mail accepts the invitation.
    accepted = cast.operator.accept_invitation(token, "a long enough passphrase")
    assert accepted


def test_a_factory_receives_the_cap_opened_e_mail(stack: Stack, cast: Cast, mail_sink: MailSink) -> None:
    address = f"capa-{uuid.uuid4().hex[:8]}@factory.example"
    cast.factory.register_recipient(address, "immediate")

    cap = open_cap(cast, [finding("9 Health and safety", "major", "Fire extinguishers not inspected")])

    def told() -> Message:
        mails = [m for m in mail_sink.to(address) if "corrective action plan is open" in m["Subject"]]
        assert mails, f"no CAP-opened e-mail to {address} yet"
        return mails[0]

    body = text_of(eventually(told))
    assert "Fire extinguishers not inspected" in body and "Deadline:" in body
    for member in ("member_a", "member_b"):  # the factory's copy names no member
        assert cast.organisations[member].organisation_id not in body
    assert cap["cap_id"]
