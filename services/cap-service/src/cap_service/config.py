from shared_audits.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "cap-service"
    # How often the scheduled job looks for items past their deadline.
    overdue_scan_seconds: float = 60.0
    # Lets an operator run the overdue check "as of" another day (tests, demos); never in production.
    allow_clock_override: bool = True

    def unsafe_development_values(self) -> list[str]:
        return ["ALLOW_CLOCK_OVERRIDE"] if self.allow_clock_override else []
