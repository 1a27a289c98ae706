from pydantic import Field

from shared_audits.settings import ServiceSettings

# Seals webhook secrets when no key is configured: public on purpose, so refused outside development.
DEVELOPMENT_WEBHOOK_SECRET_KEY = "dev-webhook-secret-encryption-key-change-me"  # pragma: allowlist secret


class Settings(ServiceSettings):
    service_name: str = "notifier"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_sender: str = "Shared audits <notifications@shared-audits.invalid>"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None

    # The dispatcher of webhooks and e-mail: how often it looks, how it retries, when it gives up.
    dispatch_interval_seconds: float = 0.5
    delivery_max_attempts: int = 6
    delivery_backoff_seconds: float = 1.0
    delivery_backoff_cap_seconds: float = 3600.0
    webhook_disable_after_failures: int = 5
    webhook_timeout_seconds: float = 5.0
    # Plain-http webhook targets are for development; production requires https.
    webhook_allow_http: bool = True
    # Internal webhook targets (loopback, private, link-local, metadata) are for development (the local stack's and the
    # tests' receivers on 127.0.0.1); production sends only to public internet addresses.
    webhook_allow_internal_targets: bool = True
    # Seals the webhooks' signing secrets in the database (a random value, 32 characters or more).
    # Unset, development uses a well-known key and any other environment refuses to start.
    webhook_secret_encryption_key: str | None = Field(default=None, min_length=32)
    # Earlier keys, still accepted for reading while a start seals again with the current one.
    webhook_secret_encryption_previous_keys: list[str] = Field(default=[], max_length=5)
    # How long the secret a rotation replaced keeps signing deliveries beside the new one.
    webhook_rotation_grace_seconds: float = Field(default=24 * 3600.0, ge=0)
    digest_interval_seconds: float = 300.0
    # How often the CAP deadline reminder looks (it tells each item once, so more often than daily is harmless).
    deadline_reminder_interval_seconds: float = 3600.0
    # The portal's address, for the links in e-mails (an invitation's /invitation?token=...).
    portal_url: str = "http://127.0.0.1:8080"

    @property
    def webhook_secret_key(self) -> str:
        return self.webhook_secret_encryption_key or DEVELOPMENT_WEBHOOK_SECRET_KEY

    def unsafe_development_values(self) -> list[str]:
        unsafe = []
        if self.webhook_allow_http:
            unsafe.append("WEBHOOK_ALLOW_HTTP")
        if self.webhook_allow_internal_targets:
            unsafe.append("WEBHOOK_ALLOW_INTERNAL_TARGETS")
        if self.webhook_secret_key == DEVELOPMENT_WEBHOOK_SECRET_KEY:
            unsafe.append("WEBHOOK_SECRET_ENCRYPTION_KEY")
        return unsafe
