"""Settings every service reads from its environment, with safe local defaults.

Outside development the defaults that only suit a laptop are refused, so a
production deployment cannot start with a well-known secret.
"""

from __future__ import annotations

from typing import Any

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT = "development"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    environment: str = DEVELOPMENT
    service_name: str = "service"

    kafka_bootstrap: str = "127.0.0.1:19092"
    # PLAINTEXT locally; SASL_PLAINTEXT or SASL_SSL with SCRAM-SHA-512 credentials in a cluster.
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    mongo_url: str = "mongodb://127.0.0.1:27018/"
    mongo_database: str = ""
    mongo_timeout_ms: int = 3000

    jwks_url: str = "http://127.0.0.1:8105/access/.well-known/jwks.json"
    token_issuer: str = "shared-audits-access-control"
    token_audience: str = "shared-audits"

    otel_exporter_otlp_endpoint: str | None = None
    log_level: str = "INFO"

    # How often the outbox relay sweeps whole collections for events a crash (or a failed
    # publish) left behind; events written by this process leave at once without a sweep.
    outbox_sweep_seconds: float = 15.0

    @property
    def kafka_client_options(self) -> dict[str, Any]:
        """Security options for aiokafka clients (admin, consumers) of this service."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return {}
        options: dict[str, Any] = {
            "security_protocol": self.kafka_security_protocol,
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": self.kafka_sasl_username or "",
            "sasl_plain_password": self.kafka_sasl_password or "",
        }
        if self.kafka_security_protocol == "SASL_SSL":
            from aiokafka.helpers import create_ssl_context

            options["ssl_context"] = create_ssl_context()
        return options

    @property
    def database_name(self) -> str:
        return self.mongo_database or self.service_name.replace("-", "_")

    def unsafe_development_values(self) -> list[str]:
        """Names of settings still holding a development-only value."""
        return []

    @model_validator(mode="after")
    def _refuse_development_values_outside_development(self) -> ServiceSettings:
        if self.environment != DEVELOPMENT:
            unsafe = self.unsafe_development_values()
            if unsafe:
                raise ValueError(
                    f"development defaults are not allowed in {self.environment}: {', '.join(unsafe)}"
                )
        return self
