"""Request and response bodies of notifier's routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from notifier.domain.channels import Preference

Language = Literal["en", "fr"]


class InboxEntryOut(BaseModel):
    event_id: str
    event_type: str
    factory_id: str
    occurred_at: datetime
    payload: dict


class RegisterWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    secret: str = Field(min_length=32, max_length=200, description="shared secret of the HMAC-SHA256 signature")


class WebhookOut(BaseModel):
    webhook_id: str
    url: str
    status: str
    consecutive_failures: int
    created_at: datetime
    disabled_at: datetime | None
    previous_secret_valid_until: datetime | None = Field(
        default=None, description="After a rotation: until when the replaced secret also signs deliveries"
    )


class RotatedSecretOut(BaseModel):
    webhook_id: str
    secret: str = Field(description="The new signing secret. Shown this once: store it before you leave.")
    previous_secret_valid_until: datetime | None = Field(
        description="Until then every delivery carries a signature with the new and one with the replaced secret"
    )


class RegisterRecipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    preference: Preference = Preference.IMMEDIATE
    language: Language = Field(default="en", description="Language of the e-mails (English where none is written)")


class RecipientOut(BaseModel):
    email: str
    preference: Preference
    language: str = "en"
    updated_at: datetime


class DeliveryOut(BaseModel):
    delivery_id: str
    channel: str
    target: str
    factory_id: str | None = Field(description="None for an invitation e-mail and an audit company's accreditation")
    event_id: str
    event_type: str
    critical: bool
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
