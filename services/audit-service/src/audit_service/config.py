from shared_audits.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "audit-service"
    # How often the due-date job looks for follow-up and re-audit dates to announce.
    due_check_interval_seconds: float = 60.0
