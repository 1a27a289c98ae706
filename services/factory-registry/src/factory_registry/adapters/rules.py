"""Registry rules shipped as data; the version is recorded on each profile."""

from importlib import resources

from factory_registry.domain.rules import RegistryRules

DEFAULT_REGISTRY_RULES = "registry-2026.2.json"


def load_registry_rules(name: str = DEFAULT_REGISTRY_RULES) -> RegistryRules:
    text = resources.files("factory_registry.rules").joinpath(name).read_text(encoding="utf-8")
    return RegistryRules.model_validate_json(text)
