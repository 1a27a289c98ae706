"""HTTP routes of the delivery channels: webhooks, e-mail recipients, the delivery log."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from notifier.domain.channels import Webhook
from notifier.entrypoints.http.paging import CURSOR_DESCRIPTION
from notifier.entrypoints.http.schemas import (
    DeliveryOut,
    RecipientOut,
    RegisterRecipient,
    RegisterWebhook,
    RotatedSecretOut,
    WebhookOut,
)
from shared_audits.problems import problems
from notifier.service_layer.channels import ChannelHandlers
from shared_audits.http import NEXT_PAGE_HEADERS, CurrentPrincipal, link_next_page

router = APIRouter(tags=["channels"])


def _handlers(request: Request) -> ChannelHandlers:
    return request.app.state.channel_handlers


Handlers = Annotated[ChannelHandlers, Depends(_handlers)]


def _webhook_out(webhook: Webhook, now: datetime) -> WebhookOut:
    return WebhookOut(webhook_id=webhook.id, url=webhook.url, status=webhook.status,
                      consecutive_failures=webhook.consecutive_failures, created_at=webhook.created_at,
                      disabled_at=webhook.disabled_at,
                      previous_secret_valid_until=webhook.previous_secret_valid_until(now))


_NOT_A_MEMBER = {401: "No valid bearer token",
                 403: "Not a member, or a member's machine client without the scope this needs"}
_NOT_FOUND = {404: "No such webhook among the caller's own (another member's answers the same)",
              422: "A webhook id longer than 64 characters (`errors` names `path.webhook_id`)"}
WebhookId = Annotated[str, Path(max_length=64, description="A webhook id from GET /webhooks")]


@router.post("/webhooks", response_model=WebhookOut, status_code=201, responses=problems({
    **_NOT_A_MEMBER,
    422: "The body does not match the schema (secret under 32 characters, unknown field), the URL is not https "
         "(outside development), or its host is or resolves to a loopback, private, link-local, metadata or other "
         "non-public address (`errors` names `body.url` and says why)",
}))
async def register_webhook(body: RegisterWebhook, caller: CurrentPrincipal, handlers: Handlers) -> WebhookOut:
    """Every event about the member's factories is POSTed here, signed (see docs/member-integration.md)."""
    webhook = await handlers.register_webhook(caller, str(body.url), body.secret)
    return _webhook_out(webhook, handlers.clock())


@router.get("/webhooks", response_model=list[WebhookOut], responses=problems(_NOT_A_MEMBER))
async def webhooks(caller: CurrentPrincipal, handlers: Handlers) -> list[WebhookOut]:
    now = handlers.clock()
    return [_webhook_out(webhook, now) for webhook in await handlers.webhooks_of(caller)]


@router.post("/webhooks/{webhook_id}/enable", response_model=WebhookOut,
             responses=problems({**_NOT_A_MEMBER, **_NOT_FOUND}))
async def enable_webhook(webhook_id: WebhookId, caller: CurrentPrincipal, handlers: Handlers) -> WebhookOut:
    """Turn a webhook disabled after repeated failures back on."""
    return _webhook_out(await handlers.enable_webhook(caller, webhook_id), handlers.clock())


@router.post("/webhooks/{webhook_id}/secret/rotate", response_model=RotatedSecretOut,
             responses=problems({**_NOT_A_MEMBER, **_NOT_FOUND}))
async def rotate_webhook_secret(webhook_id: WebhookId, caller: CurrentPrincipal, handlers: Handlers,
                                response: Response) -> RotatedSecretOut:
    """Give the webhook a new signing secret, answered once.

    During the grace period (24 h by default) each delivery is signed with both the
    new and the replaced secret (two `v1=` in `X-Shared-Audits-Signature`), so the
    receiver can switch to the new secret whenever it is ready; then only the new one.
    """
    webhook, secret = await handlers.rotate_webhook_secret(caller, webhook_id)
    response.headers["Cache-Control"] = "no-store"  # a secret: kept by no cache on the way
    return RotatedSecretOut(webhook_id=webhook.id, secret=secret,
                            previous_secret_valid_until=webhook.previous_secret_valid_until(handlers.clock()))


@router.delete("/webhooks/{webhook_id}", status_code=204, response_class=Response,
               responses=problems({**_NOT_A_MEMBER, **_NOT_FOUND}))
async def delete_webhook(webhook_id: WebhookId, caller: CurrentPrincipal, handlers: Handlers) -> Response:
    """Delete the webhook: nothing more is sent to it, and its deliveries still waiting are dropped.

    Its secrets are erased. The delivery log keeps what was sent, and shows the
    dropped deliveries with the status `dropped`.
    """
    await handlers.delete_webhook(caller, webhook_id)
    return Response(status_code=204)


@router.put("/recipients", response_model=RecipientOut)
async def register_recipient(body: RegisterRecipient, caller: CurrentPrincipal, handlers: Handlers) -> RecipientOut:
    """Add a person to e-mail, or change their preference (immediate, daily_digest, off) and language.

    A member's recipients hear of its linked factories; a factory's, of its own site: a CAP opened,
    evidence refused, a CAP item's deadline 7 days away; an audit company's, of its own business: a member
    mandated it, its report is overdue, its accreditation changed.
    """
    recipient = await handlers.register_recipient(caller, body.email, body.preference, body.language)
    return RecipientOut(**recipient.model_dump(include={"email", "preference", "language", "updated_at"}))


@router.get("/recipients", response_model=list[RecipientOut])
async def recipients(caller: CurrentPrincipal, handlers: Handlers) -> list[RecipientOut]:
    return [RecipientOut(**r.model_dump(include={"email", "preference", "language", "updated_at"}))
            for r in await handlers.recipients_of(caller)]


@router.get("/deliveries", response_model=list[DeliveryOut], responses={
    200: {"description": "One page of the delivery log, newest first", "headers": NEXT_PAGE_HEADERS}})
async def deliveries(
    request: Request,
    response: Response,
    caller: CurrentPrincipal,
    handlers: Handlers,
    limit: Annotated[int, Query(ge=1, le=500, description="Deliveries per page")] = 100,
    cursor: Annotated[str | None, Query(min_length=1, max_length=400, description=CURSOR_DESCRIPTION)] = None,
) -> list[DeliveryOut]:
    """The organisation's delivery log (webhooks and e-mail), newest first, a page at a time: follow
    `Link: rel="next"` (or `X-Next-Cursor`) until it is absent."""
    log, next_cursor = await handlers.delivery_log(caller, limit, cursor)
    link_next_page(request, response, next_cursor, limit)
    return [DeliveryOut(**d.model_dump(exclude={"envelope", "member_id"})) for d in log]
