"""The audit-service process: ``uvicorn audit_service.main:app``."""

from audit_service.bootstrap import build_app

app = build_app()
