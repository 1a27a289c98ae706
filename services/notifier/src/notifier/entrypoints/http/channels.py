"""HTTP routes of the delivery channels: webhooks, e-mail recipients, the delivery log."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from notifier.domain.channels import Preference
from notifier.service_layer.channels import ChannelHandlers
from shared_audits.errors import InvalidRequestError
from shared_audits.http import CurrentPrincipal

router = APIRouter(tags=["channels"])


def _handlers(request: Request) -> ChannelHandlers:
    return request.app.state.channel_handlers


Handlers = Annotated[ChannelHandlers, Depends(_handlers)]


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


class RegisterRecipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    preference: Preference = Preference.IMMEDIATE


class RecipientOut(BaseModel):
    email: str
    preference: Preference
    updated_at: datetime


class DeliveryOut(BaseModel):
    delivery_id: str
    channel: str
    target: str
    factory_id: str
    event_id: str
    event_type: str
    critical: bool
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def _webhook_out(webhook) -> WebhookOut:  # noqa: ANN001 - the domain's Webhook
    return WebhookOut(webhook_id=webhook.id, **webhook.model_dump(include=set(WebhookOut.model_fields) - {"webhook_id"}))


@router.post("/webhooks", response_model=WebhookOut, status_code=201)
async def register_webhook(body: RegisterWebhook, caller: CurrentPrincipal, handlers: Handlers,
                           request: Request) -> WebhookOut:
    """Every event about the member's factories is POSTed here, signed (see docs/member-feeds.md)."""
    if body.url.scheme != "https" and not request.app.state.webhook_allow_http:
        raise InvalidRequestError("webhook URLs must use https")
    return _webhook_out(await handlers.register_webhook(caller, str(body.url), body.secret))


@router.get("/webhooks", response_model=list[WebhookOut])
async def webhooks(caller: CurrentPrincipal, handlers: Handlers) -> list[WebhookOut]:
    return [_webhook_out(webhook) for webhook in await handlers.webhooks_of(caller)]


@router.post("/webhooks/{webhook_id}/enable", response_model=WebhookOut)
async def enable_webhook(webhook_id: str, caller: CurrentPrincipal, handlers: Handlers) -> WebhookOut:
    """Turn a webhook disabled after repeated failures back on."""
    return _webhook_out(await handlers.enable_webhook(caller, webhook_id))


@router.put("/recipients", response_model=RecipientOut)
async def register_recipient(body: RegisterRecipient, caller: CurrentPrincipal, handlers: Handlers) -> RecipientOut:
    """Add a person to e-mail, or change their preference (immediate, daily_digest, off)."""
    recipient = await handlers.register_recipient(caller, body.email, body.preference)
    return RecipientOut(**recipient.model_dump(include={"email", "preference", "updated_at"}))


@router.get("/recipients", response_model=list[RecipientOut])
async def recipients(caller: CurrentPrincipal, handlers: Handlers) -> list[RecipientOut]:
    return [RecipientOut(**r.model_dump(include={"email", "preference", "updated_at"}))
            for r in await handlers.recipients_of(caller)]


@router.get("/deliveries", response_model=list[DeliveryOut])
async def deliveries(
    caller: CurrentPrincipal, handlers: Handlers, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[DeliveryOut]:
    """The member's delivery log (webhooks and e-mail), newest first."""
    return [DeliveryOut(**d.model_dump(exclude={"envelope", "member_id"}))
            for d in await handlers.delivery_log(caller, limit)]
