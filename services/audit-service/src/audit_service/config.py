from shared_audits.settings import DEVELOPMENT, ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "audit-service"
    # How often the scheduled jobs look for due dates to announce and reports gone overdue.
    due_check_interval_seconds: float = 60.0

    @property
    def clock_override_allowed(self) -> bool:
        """The operator may run the overdue-report check as of another day (tests, demos) in development only."""
        return self.environment == DEVELOPMENT
