"""The cap-service process: ``uvicorn cap_service.main:app``."""

from cap_service.bootstrap import build_app

app = build_app()
