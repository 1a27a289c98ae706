from shared_audits.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "notifier"
