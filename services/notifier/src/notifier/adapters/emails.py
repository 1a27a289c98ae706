"""E-mails written for people: subject and text from Jinja2 templates, in the recipient's language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined

from notifier.domain.channels import Delivery

DEFAULT_LANGUAGE = "en"
SUBJECT_PREFIX = "[Shared audits] "


def _when(value: str | datetime | None) -> str:
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _day(value: str | date) -> str:
    return (date.fromisoformat(value) if isinstance(value, str) else value).isoformat()


def _words(event_type: str) -> str:
    """``CapItemReopened`` -> ``Cap item reopened``."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", event_type).capitalize()


def _brief(value: object) -> str:
    if isinstance(value, list):
        return f"{len(value)} entries"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items()) if not isinstance(v, list | dict))
    return str(value)


class EmailTemplates:
    """Renders ``templates/<language>/<event type>.txt``: its first paragraph is the subject, the rest the text.

    An event without its own template is told by ``event.txt``; a language without a
    catalog falls back to English.
    """

    def __init__(self, portal_url: str) -> None:
        self._portal_url = portal_url.rstrip("/")
        self._env = Environment(loader=PackageLoader("notifier", "templates"), autoescape=False,
                                undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                keep_trailing_newline=True)
        self._env.filters.update(when=_when, day=_day, words=_words, brief=_brief)
        self.languages = frozenset(name.split("/", 1)[0] for name in self._env.list_templates(extensions=["txt"]))

    def invitation_url(self, token: str) -> str:
        """The portal page where an invited user accepts (``/invitation?token=...``)."""
        return f"{self._portal_url}/invitation?{urlencode({'token': token})}"

    def render(self, name: str, language: str, **context: object) -> tuple[str, str]:
        chosen = language if language in self.languages else DEFAULT_LANGUAGE
        template = self._env.select_template(
            [f"{chosen}/{name}.txt", f"{chosen}/event.txt", f"{DEFAULT_LANGUAGE}/{name}.txt",
             f"{DEFAULT_LANGUAGE}/event.txt"]
        )
        text = template.render(portal_url=self._portal_url, **context)
        subject, _, body = text.partition("\n\n")
        return SUBJECT_PREFIX + " ".join(subject.split()), body.lstrip("\n")

    def for_delivery(self, delivery: Delivery) -> tuple[str, str]:
        """Subject and text of one e-mail delivery, from the event it carries."""
        envelope: Mapping = delivery.envelope
        payload = dict(envelope["payload"])
        context: dict[str, object] = {
            "event": payload, "event_type": delivery.event_type, "factory_id": delivery.factory_id,
            "occurred_at": envelope.get("occurred_at"), "critical": delivery.critical,
        }
        if "acceptance_token" in payload:
            context["invitation_url"] = self.invitation_url(str(payload["acceptance_token"]))
        return self.render(delivery.event_type, delivery.language, **context)
