"""A merged site's id keeps answering: 308 to the same path under the surviving id."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from factory_registry.domain.errors import FactoryMergedError
from shared_audits.http import PROBLEM_MEDIA_TYPE


def install_merge_redirects(app: FastAPI) -> None:
    @app.exception_handler(FactoryMergedError)
    async def _merged(request: Request, error: FactoryMergedError) -> JSONResponse:
        path = request.url.path.replace(f"/{error.factory_id}", f"/{error.surviving_factory_id}", 1)
        location = f"{path}?{request.url.query}" if request.url.query else path
        body = {
            "type": "urn:shared-audits:problem:factory-merged",
            "title": "Factory merged",
            "status": 308,
            "detail": str(error),
            "merged_into": error.surviving_factory_id,
        }
        return JSONResponse(body, status_code=308, headers={"Location": location}, media_type=PROBLEM_MEDIA_TYPE)
