"""Every route's OpenAPI entry declares the problem answers it can give, in the shape the service writes."""

from fastapi import APIRouter, Depends, FastAPI, UploadFile
from fastapi.security import HTTPBearer
from fastapi.testclient import TestClient
from pydantic import BaseModel

from shared_audits.http import PROBLEM_MEDIA_TYPE, install_problem_handlers
from shared_audits.problems import ProblemOut, declare_problem_answers, problems

PROBLEM_REF = "#/components/schemas/ProblemOut"
bearer = HTTPBearer()


class SiteIn(BaseModel):
    name: str
    workers: int


def _registry_app() -> FastAPI:
    app = FastAPI(title="factory-registry", openapi_url="/registry/openapi.json")
    install_problem_handlers(app)
    router = APIRouter(dependencies=[Depends(bearer)])
    public = APIRouter()

    @router.get("/sites/{site_id}")
    async def site(site_id: str) -> dict:
        return {"site_id": site_id}

    @router.post("/sites", status_code=201, responses=problems({409: "A site with this identifier exists"}))
    async def register(body: SiteIn) -> dict:
        return body.model_dump()

    @router.post("/sites/{site_id}/files", status_code=201)
    async def upload(site_id: str, file: UploadFile) -> dict:
        return {"site_id": site_id}

    @public.get("/codes")
    async def codes() -> list[str]:
        return []

    app.include_router(router, prefix="/registry")
    app.include_router(public, prefix="/registry")
    declare_problem_answers(app)
    return app


def _statuses(schema: dict, method: str, path: str) -> set[int]:
    return {int(status) for status in schema["paths"][path][method]["responses"]}


def test_each_route_declares_the_problems_it_can_answer() -> None:
    schema = _registry_app().openapi()

    assert _statuses(schema, "get", "/registry/codes") == {200, 429, 503}
    assert _statuses(schema, "get", "/registry/sites/{site_id}") == {200, 401, 403, 404, 422, 429, 503}
    assert _statuses(schema, "post", "/registry/sites") == {201, 400, 401, 403, 404, 409, 422, 429, 503}
    assert _statuses(schema, "post", "/registry/sites/{site_id}/files") == {201, 400, 401, 403, 404, 409, 413, 422, 429, 503}


def test_every_problem_answer_is_problem_json_and_a_route_keeps_its_own_words() -> None:
    schema = _registry_app().openapi()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"] == {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}, (method, path)
    assert schema["paths"]["/registry/sites"]["post"]["responses"]["409"]["description"] == "A site with this identifier exists"
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    field_problem = schema["components"]["schemas"]["FieldProblem"]
    assert set(field_problem["required"]) == {"field", "message", "type"}


def test_the_422_the_service_writes_is_the_one_documented() -> None:
    with TestClient(_registry_app()) as client:
        answer = client.post("/registry/sites", json={"name": "Dhaka Knit"}, headers={"Authorization": "Bearer t"})

    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = ProblemOut.model_validate(answer.json())
    assert [(e.field, e.type) for e in body.errors] == [("body.workers", "missing")]
