"""notifier's refusals; each maps to one HTTP problem through its category."""

from __future__ import annotations

from shared_audits.errors import InvalidRequestError


class WebhookUrlRefused(InvalidRequestError):
    """A webhook URL that is not https where plain http is not allowed (outside development)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.extensions = {"errors": [{"field": "body.url", "message": detail, "type": "url_scheme"}]}


class WebhookTargetRefusedError(InvalidRequestError):
    """A webhook URL whose host is, or resolves to, an address the platform does not send to."""

    title = "Webhook target refused"
    status = 422

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.extensions = {"errors": [{"field": "body.url", "message": detail, "type": "webhook_target_refused"}]}
