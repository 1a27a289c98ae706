from factory_registry.adapters.rules import DEFAULT_REGISTRY_RULES
from shared_audits.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "factory-registry"
    # Which rule file under rules/ applies (duplicate thresholds, workforce limits, completeness weights).
    registry_rules: str = DEFAULT_REGISTRY_RULES
