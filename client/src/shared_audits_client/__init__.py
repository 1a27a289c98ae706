"""A client of the platform through its gateway, for integrators, the demo seed and tests."""

from shared_audits_client.api import ApiError, Organisation, PlatformClient, eventually

__all__ = ["ApiError", "Organisation", "PlatformClient", "eventually"]
