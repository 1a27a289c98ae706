"""The audit-service process: ``uvicorn audit_service.main:app``."""

import gc

from audit_service.bootstrap import build_app

app = build_app()
# A report import holds a few hundred objects per report until the request ends, none in cycles;
# with the default threshold (700) the collector rescans them dozens of times a request (a third of its CPU).
gc.freeze()
gc.set_threshold(20_000, 20, 20)
