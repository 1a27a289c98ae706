from collections.abc import Iterator

import pytest

from shared_audits_client.story import Cast, assemble_cast
from tests.integration.stack import Stack


@pytest.fixture
def cast(stack: Stack) -> Iterator[Cast]:
    """A fresh site with two members, an audit company and the factory's own account."""
    cast = assemble_cast(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret)
    yield cast
    cast.close()
