"""The operator CLI: ``shared-audits --help``."""
