"""A merged site's id keeps answering: 308 to the same path under the surviving id."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from factory_registry.domain.errors import FactoryMergedError
from shared_audits.http import problem


def install_merge_redirects(app: FastAPI) -> None:
    @app.exception_handler(FactoryMergedError)
    async def _merged(request: Request, error: FactoryMergedError) -> JSONResponse:
        path = request.url.path.replace(f"/{error.factory_id}", f"/{error.surviving_factory_id}", 1)
        response = problem(308, error.title, error.detail, **error.extensions)
        response.headers["Location"] = f"{path}?{request.url.query}" if request.url.query else path
        return response
