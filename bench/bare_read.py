"""The read benchmark's baseline: a bare ASGI endpoint doing the same database read as cap-service.

    MONGO_URL=mongodb://127.0.0.1:27018/ uvicorn bench.bare_read:app --port <free port>

No token check, no link projection, no response model: only PyMongo's async
``find_one`` of the CAP document (or ``find`` of the risk cells) and its JSON encoding.
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager

from bson import json_util
from pymongo import AsyncMongoClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@asynccontextmanager
async def lifespan(app: Starlette):
    client = AsyncMongoClient(os.environ["MONGO_URL"], tz_aware=True)
    app.state.caps = client["cap_service"]["caps"]
    app.state.risk_cells = client["audit_service"]["risk_cells"]
    yield
    await client.close()


async def read_cap(request: Request) -> Response:
    document = await request.app.state.caps.find_one({"_id": request.path_params["cap_id"]})
    if document is None:
        return Response('{"detail": "not found"}', status_code=404, media_type="application/json")
    return Response(json_util.dumps(document), media_type="application/json")


async def read_risk_cells(request: Request) -> Response:
    cells = [cell async for cell in request.app.state.risk_cells.find({})]
    return Response(json_util.dumps(cells), media_type="application/json")


app = Starlette(routes=[Route("/caps/{cap_id}", read_cap), Route("/risk/cells", read_risk_cells)], lifespan=lifespan)
