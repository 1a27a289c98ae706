"""The portal process: ``uvicorn portal.main:app``."""

from portal.bootstrap import build_app

app = build_app()
