"""The login throttle's rules, shipped as versioned data."""

from importlib import resources

from access_control.domain.login_throttle import LoginThrottleRules

DEFAULT_LOGIN_THROTTLE_RULES = "login-throttle-2026.1.json"


def load_login_throttle_rules(name: str = DEFAULT_LOGIN_THROTTLE_RULES) -> LoginThrottleRules:
    text = resources.files("access_control.rules").joinpath(name).read_text(encoding="utf-8")
    return LoginThrottleRules.model_validate_json(text)
