"""The access-control process: ``uvicorn access_control.main:app``."""

from access_control.bootstrap import build_app

app = build_app()
