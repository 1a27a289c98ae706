from pydantic import Field

from shared_audits.settings import DEVELOPMENT, ServiceSettings

DEVELOPMENT_OPERATOR_SECRET = "dev-operator-secret-change-me"
DEVELOPMENT_KEY_ENCRYPTION_KEY = "dev-signing-key-encryption-key-change-me"


class Settings(ServiceSettings):
    service_name: str = "access-control"
    token_ttl_seconds: int = 900
    # Clock skew allowed between services when deciding that a superseded key's tokens have expired.
    token_leeway_seconds: int = 60
    # A rotated-in key is published this long before it signs: more than the verifiers' JWKS refetch pause (10 s).
    signing_key_activation_delay_seconds: float = 12.0
    refresh_token_ttl_seconds: int = 14 * 24 * 3600
    invitation_ttl_seconds: int = 72 * 3600
    accreditation_rules: str = "accreditation-2026.1.json"
    # The platform operator's first machine client, created at start if missing.
    operator_client_id: str = "operator"
    operator_client_secret: str = DEVELOPMENT_OPERATOR_SECRET
    # Seals the signing keys' private halves in the database (a random value, 32 characters or more).
    signing_key_encryption_key: str = Field(default=DEVELOPMENT_KEY_ENCRYPTION_KEY, min_length=32)
    # Earlier key-encryption keys, still accepted for reading while a start re-seals with the current one.
    signing_key_encryption_previous_keys: list[str] = Field(default_factory=list, max_length=5)

    @property
    def clock_override_allowed(self) -> bool:
        """The operator may move an audit company's trial start (tests, demos) in development only."""
        return self.environment == DEVELOPMENT

    def unsafe_development_values(self) -> list[str]:
        unsafe = []
        if self.operator_client_secret == DEVELOPMENT_OPERATOR_SECRET:
            unsafe.append("OPERATOR_CLIENT_SECRET")
        if self.signing_key_encryption_key == DEVELOPMENT_KEY_ENCRYPTION_KEY:
            unsafe.append("SIGNING_KEY_ENCRYPTION_KEY")
        return unsafe
