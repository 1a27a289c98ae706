"""The notifier process: ``uvicorn notifier.main:app``."""

from notifier.bootstrap import build_app

app = build_app()
