"""Notifications that reach people: an invitation e-mail with the portal link, the factory told of its CAP,
the audit company of its mandate.

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

from shared_audits_client import PlatformClient, eventually
from shared_audits_client.story import Cast, link_with_consent
from tests.integration.cap_flows import finding, open_cap
from tests.integration.stack import Stack

# serial: listens on the one SMTP port notifier sends to (runs after the parallel part of make test).
pytestmark = pytest.mark.serial

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


def test_the_mandated_audit_company_is_e_mailed_in_its_users_language_and_no_other_company(
    stack: Stack, cast: Cast, mail_sink: MailSink
) -> None:
    label = uuid.uuid4().hex[:8]
    planning, planification = f"planning-{label}@audit-one.example", f"planification-{label}@audit-one.example"
    elsewhere = f"planning-{label}@audit-two.example"
    other = cast.operator.register_organisation(f"Audit Co two {label}", "audit_company")
    other_company = PlatformClient.login(stack.gateway_url, other.client_id, other.client_secret)
    for company, address, language in ((cast.auditor, planning, "en"), (cast.auditor, planification, "fr"),
                                        (other_company, elsewhere, "en")):
        company.call("PUT", "/notifier/recipients",
                     json={"email": address, "preference": "immediate", "language": language})
    other_company.close()
    link_with_consent(cast.member_a, cast.factory, cast.factory_id)

    auditor_id = cast.organisations["auditor"].organisation_id
    audit = eventually(lambda: cast.member_a.mandate_audit(
        cast.factory_id, auditor_id, audit_type="initial", scope="social", announcement="unannounced"))

    def told(address: str, words: str) -> Message:
        mails = [m for m in mail_sink.to(address) if words in m["Subject"]]
        assert mails, f"no mandate e-mail to {address} yet"
        return mails[0]

    english = eventually(lambda: told(planning, "You are mandated"), timeout=20)
    assert f"factory {cast.factory_id}" in english["Subject"] and audit["audit_id"] in text_of(english)
    french = eventually(lambda: told(planification, "Vous êtes mandaté"), timeout=20)
    assert "Acceptez ou déclinez le mandat" in text_of(french)
    assert mail_sink.to(elsewhere) == []  # the other audit company hears nothing of it
