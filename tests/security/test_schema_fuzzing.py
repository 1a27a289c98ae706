"""Property-based fuzzing of every service's OpenAPI schema through the gateway, with valid tokens.

For each operation schemathesis generates bounded numbers of valid and invalid
requests as the operator, a member and a factory; every answer must be a non-5xx,
with a status the operation documents, in the media type documented for that
status, and a body that matches the documented schema (the four checks of
issue 13). ``FUZZ_EXAMPLES`` (default 5) sets the examples per operation.
"""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared_audits_client.api import PlatformClient
from shared_audits_client.story import Cast, assemble_cast, link_with_consent
from tests.integration.stack import Stack

# serial: generated operator requests change what every test sees (runs after the parallel part of make test).
pytestmark = [pytest.mark.integration, pytest.mark.security, pytest.mark.serial]

PREFIXES = ["access", "registry", "audits", "caps", "evidence", "notifier", "api"]  # api: the portal's
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time; the failing case is printed
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def cast(stack: Stack) -> Iterator[Cast]:
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret)
    link_with_consent(cast.member_a, cast.factory, cast.factory_id)
    yield cast
    cast.close()


def _token(client: PlatformClient) -> str:
    return client._http.headers["Authorization"]


def _summary(failure: BaseException) -> str:
    return " ".join(str(failure).split())[:400]


def _fuzz(operation: schemathesis.APIOperation, base_url: str, role: str, token: str) -> list[str]:
    """Run the generated cases of one operation as one caller; the failures found, as text."""
    failures: list[str] = []

    @FUZZ_SETTINGS
    @given(case=st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode)))
    def fuzz(case: schemathesis.Case) -> None:
        try:
            case.call_and_validate(base_url=base_url, headers={"Authorization": token},
                                   checks=CHECKS, timeout=30)
        except FailureGroup as group:  # several checks failed on one answer
            failures.extend(f"{role} {case.method} {case.formatted_path}: {_summary(f)}" for f in group.exceptions)
        except AssertionError as failure:  # one check failed: schemathesis' failures subclass AssertionError
            failures.append(f"{role} {case.method} {case.formatted_path}: {_summary(failure)}")

    fuzz()
    return failures


@pytest.mark.timeout(600)
@pytest.mark.parametrize("prefix", PREFIXES)
def test_no_5xx_and_conforming_answers_for_generated_requests(stack: Stack, cast: Cast, prefix: str) -> None:
    schema = schemathesis.openapi.from_url(f"{stack.gateway_url}/{prefix}/openapi.json")
    callers = {"member": _token(cast.member_a), "operator": _token(cast.operator), "factory": _token(cast.factory)}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for role, token in callers.items():
            failures += _fuzz(operation, stack.gateway_url, role, token)
    assert operations, f"no operations in the {prefix} schema"
    assert failures == [], "\n".join(failures[:20])
