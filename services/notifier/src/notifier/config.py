from shared_audits.settings import ServiceSettings


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
    digest_interval_seconds: float = 300.0

    def unsafe_development_values(self) -> list[str]:
        return ["WEBHOOK_ALLOW_HTTP"] if self.webhook_allow_http else []
