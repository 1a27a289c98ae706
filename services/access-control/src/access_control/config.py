from shared_audits.settings import ServiceSettings

DEVELOPMENT_OPERATOR_SECRET = "dev-operator-secret-change-me"


class Settings(ServiceSettings):
    service_name: str = "access-control"
    token_ttl_seconds: int = 900
    # The platform operator's first machine client, created at start if missing.
    operator_client_id: str = "operator"
    operator_client_secret: str = DEVELOPMENT_OPERATOR_SECRET

    def unsafe_development_values(self) -> list[str]:
        return ["OPERATOR_CLIENT_SECRET"] if self.operator_client_secret == DEVELOPMENT_OPERATOR_SECRET else []
