"""The evidence-store process: ``uvicorn evidence_store.main:app``."""

from evidence_store.bootstrap import build_app

app = build_app()
