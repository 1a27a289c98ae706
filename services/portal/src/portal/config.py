"""Settings of the portal, from PORTAL_* environment variables."""

from __future__ import annotations

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT = "development"
DEVELOPMENT_SECRET = "dev-portal-session-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", env_file=None, extra="ignore")

    # ENVIRONMENT like every service of the platform (PORTAL_ENVIRONMENT wins when both are set).
    environment: str = Field(default=DEVELOPMENT, validation_alias=AliasChoices("PORTAL_ENVIRONMENT", "ENVIRONMENT"))
    # Every page calls the services through the gateway, with the signed-in user's token.
    gateway_url: str = "http://127.0.0.1:8080"
    gateway_timeout_seconds: float = 30.0
    # Encrypts the session cookie and signs CSRF tokens.
    session_secret: str = DEVELOPMENT_SECRET
    # A session ends after this long without a successful refresh, whatever the tokens say.
    session_max_age_seconds: int = 12 * 3600
    # Refresh the access token when it has less than this left.
    refresh_margin_seconds: int = 30
    # Operator page: each service's Prometheus endpoint, "name=url" separated by commas.
    service_metrics: str = ""
    # Evidence the browser may send: what evidence-store accepts.
    max_upload_bytes: int = 25 * 1024 * 1024

    @property
    def secure_cookies(self) -> bool:
        """Cookies over https only, except on a developer's machine (plain http on loopback)."""
        return self.environment != DEVELOPMENT

    @property
    def metrics_endpoints(self) -> dict[str, str]:
        pairs = (entry.split("=", 1) for entry in self.service_metrics.split(",") if "=" in entry)
        return {name.strip(): url.strip() for name, url in pairs}

    @model_validator(mode="after")
    def _refuse_development_secret(self) -> Settings:
        if self.environment != DEVELOPMENT and self.session_secret == DEVELOPMENT_SECRET:
            raise ValueError(f"development defaults are not allowed in {self.environment}: PORTAL_SESSION_SECRET")
        if len(self.session_secret) < 16:
            raise ValueError("PORTAL_SESSION_SECRET must have at least 16 characters")
        return self
