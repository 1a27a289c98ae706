from pydantic import Field

from shared_audits.settings import ServiceSettings

DEVELOPMENT_RECORD_KEY_ENCRYPTION_KEY = "dev-record-key-encryption-key-change-me"  # pragma: allowlist secret


class Settings(ServiceSettings):
    service_name: str = "cap-service"
    # How often the scheduled job looks for items past their deadline.
    overdue_scan_seconds: float = 60.0
    # Lets an operator run the overdue check "as of" another day (tests, demos); never in production.
    allow_clock_override: bool = True
    # How often the platform signs a checkpoint of every CAP record's head (skipped when none changed).
    record_checkpoint_seconds: float = 300.0
    # Seals the record signing keys' private halves in the database (a random value, 32 characters or more).
    # Unset, development uses a well-known key and any other environment refuses to start.
    record_key_encryption_key: str | None = Field(default=None, min_length=32)
    # Earlier key-encryption keys, still accepted for reading while a start re-seals with the current one.
    record_key_encryption_previous_keys: list[str] = Field(default_factory=list, max_length=5)

    @property
    def record_key_secret(self) -> str:
        return self.record_key_encryption_key or DEVELOPMENT_RECORD_KEY_ENCRYPTION_KEY

    def unsafe_development_values(self) -> list[str]:
        unsafe = ["ALLOW_CLOCK_OVERRIDE"] if self.allow_clock_override else []
        if self.record_key_secret == DEVELOPMENT_RECORD_KEY_ENCRYPTION_KEY:
            unsafe.append("RECORD_KEY_ENCRYPTION_KEY")
        return unsafe
