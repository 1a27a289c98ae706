"""The factory-registry process: ``uvicorn factory_registry.main:app``."""

from factory_registry.bootstrap import build_app

app = build_app()
